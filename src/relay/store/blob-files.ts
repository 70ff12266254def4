// Blob bytes for the SQLite backend: one file per stored blob under DIR/blobs. Each upload
// writes a file with a fresh random name, so a file belongs to exactly one database row
// and deleting a row can never remove a file that a later upload of the same blob wrote.
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const TMP = 'tmp';

export class BlobFiles {
  constructor(private readonly dir: string) {}

  async init(): Promise<void> {
    await rm(join(this.dir, TMP), { recursive: true, force: true });
    await mkdir(join(this.dir, TMP), { recursive: true, mode: 0o700 });
  }

  private path(file: string): string {
    return join(this.dir, file.slice(0, 2), file);
  }

  /** Writes the stream to a new file, durably, and returns its name; nothing is kept on error. */
  async write(data: AsyncIterable<Buffer>): Promise<string> {
    const file = randomBytes(16).toString('hex');
    const tmpPath = join(this.dir, TMP, file);
    const handle = await open(tmpPath, 'wx', 0o600);
    try {
      for await (const chunk of data) await handle.write(chunk);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(tmpPath).catch(() => undefined);
      throw error;
    }
    await handle.close();
    const finalDir = join(this.dir, file.slice(0, 2));
    await mkdir(finalDir, { recursive: true, mode: 0o700 });
    await rename(tmpPath, this.path(file));
    await syncDir(finalDir);
    return file;
  }

  read(file: string): AsyncIterable<Buffer> {
    return createReadStream(this.path(file), { highWaterMark: 64 * 1024 });
  }

  async size(file: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(file))).size;
    } catch {
      return undefined;
    }
  }

  async remove(file: string): Promise<void> {
    await unlink(this.path(file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /** Every stored file name (not the temporary ones). */
  async list(): Promise<string[]> {
    const names: string[] = [];
    for (const entry of await readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === TMP) continue;
      names.push(...(await readdir(join(this.dir, entry.name))));
    }
    return names;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
