// File-system steps shared by export and import.
import { open, writeFile } from 'node:fs/promises';

/** Called as the archive streams by: bytes processed so far, out of `total`. */
export type BackupProgress = (done: number, total: number) => void;

/** Makes a rename or a new entry in `dir` durable (the file's own fsync does not). */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `content` to a new file at `path` (refusing an existing one) and fsyncs it. */
export async function writeNewFile(path: string, content: AsyncIterable<Buffer>): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await writeFile(handle, content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
