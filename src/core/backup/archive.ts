// The archive a backup's stream carries (docs/PROTOCOL.md §10.3): records of the profile's
// secrets, one database snapshot and the attachment files, each file's bytes streamed
// through in pieces so neither side ever holds a whole file.
import { AegeesError } from '../../common/errors.js';
import { ByteReader, ByteWriter } from '../../common/protocol/codec.js';
import { secureBuffer, wipe } from '../crypto/sodium.js';
import { MAX_SECRET_BYTES } from '../keychain/secret-store.js';
import { ACCOUNT_SECRET, DEVICE_SECRET } from '../messenger/identity.js';
import { DATABASE_KEY_BYTES } from '../store/database.js';

export const RecordKind = { Secret: 1, Database: 2, File: 3 } as const;

/**
 * The secrets a backup carries, in the order it carries them. The database key is not
 * one of them: a restored profile gets a key of its own.
 */
export const BACKUP_SECRET_NAMES: readonly string[] = [ACCOUNT_SECRET, DEVICE_SECRET].sort();

// Attachments are named by their blob id in hex (attachment-files.ts); nothing else under
// attachments/ is history, and such names cannot reach outside the folder on any OS.
const ATTACHMENT_FILE_NAME = /^[0-9a-f]{1,128}$/;

export function isAttachmentFileName(name: string): boolean {
  return ATTACHMENT_FILE_NAME.test(name);
}

/** A secret record, in guarded memory (the caller wipes it). */
export function secretRecord(name: string, value: Uint8Array): Buffer {
  if (!BACKUP_SECRET_NAMES.includes(name)) throw new AegeesError('INVALID_ARGUMENT', `${name} is not a secret a backup carries`);
  if (value.length === 0 || value.length > MAX_SECRET_BYTES) throw new AegeesError('INVALID_ARGUMENT', `secret ${name} has ${value.length} bytes`);
  const out = secureBuffer(1 + 1 + name.length + 4 + value.length);
  let at = out.writeUInt8(RecordKind.Secret, 0);
  at = out.writeUInt8(name.length, at);
  at += out.write(name, at, 'ascii');
  at = out.writeUInt32BE(value.length, at);
  out.set(value, at);
  return out;
}

/** The database record up to its content, in guarded memory (it holds the snapshot key). */
export function databaseRecordHead(snapshotKey: Uint8Array, size: number): Buffer {
  if (snapshotKey.length !== DATABASE_KEY_BYTES) throw new AegeesError('INVALID_ARGUMENT', `a snapshot key is ${DATABASE_KEY_BYTES} bytes`);
  const tail = new ByteWriter(8).u64(size).finish();
  const out = secureBuffer(1 + DATABASE_KEY_BYTES + tail.length);
  out.writeUInt8(RecordKind.Database, 0);
  out.set(snapshotKey, 1);
  out.set(tail, 1 + DATABASE_KEY_BYTES);
  return out;
}

/** An attachment file's record up to its content. */
export function fileRecordHead(name: string, size: number): Buffer {
  if (!isAttachmentFileName(name)) throw new AegeesError('INVALID_ARGUMENT', `${JSON.stringify(name)} is not an attachment file name`);
  return Buffer.from(new ByteWriter(2 + name.length + 8).u8(RecordKind.File).ascii(name, 1, 1, 128, 'file name').u64(size).finish());
}

/**
 * Where a read archive goes. `content` yields exactly the record's bytes, as views that
 * stay valid only until the next one is asked for, and must be read to its end; `value`
 * and `snapshotKey` are wiped when the call returns.
 */
export interface ArchiveSink {
  secret(name: string, value: Buffer): Promise<void>;
  database(snapshotKey: Buffer, size: number, content: AsyncIterable<Buffer>): Promise<void>;
  file(name: string, size: number, content: AsyncIterable<Buffer>): Promise<void>;
}

function malformed(why: string): AegeesError {
  return new AegeesError('MALFORMED', `the backup archive is malformed: ${why}`);
}

/** Pulls exact byte counts out of a stream of arbitrary pieces. */
class Input {
  private chunk: Buffer = Buffer.alloc(0);
  private at = 0;
  private ended = false;
  consumed = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  /** Copies the next `out.length` bytes into `out`. */
  async read(out: Buffer, what: string): Promise<Buffer> {
    let filled = 0;
    while (filled < out.length) {
      if (!(await this.fill())) throw malformed(`it ends inside ${what}`);
      const n = Math.min(out.length - filled, this.chunk.length - this.at);
      this.chunk.copy(out, filled, this.at, this.at + n);
      this.advance(n);
      filled += n;
    }
    return out;
  }

  async *pieces(size: number, what: string): AsyncGenerator<Buffer> {
    let left = size;
    while (left > 0) {
      if (!(await this.fill())) throw malformed(`it ends inside ${what}`);
      const n = Math.min(left, this.chunk.length - this.at);
      const piece = this.chunk.subarray(this.at, this.at + n);
      this.advance(n);
      left -= n;
      yield piece;
    }
  }

  private advance(n: number): void {
    this.at += n;
    this.consumed += n;
  }

  private async fill(): Promise<boolean> {
    while (this.at === this.chunk.length) {
      // Plaintext that held secrets should not linger in the heap once it has been used.
      wipe(this.chunk);
      if (this.ended) return false;
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      this.chunk = next.value;
      this.at = 0;
    }
    return true;
  }
}

async function readName(input: Input, what: string): Promise<string> {
  const length = (await input.read(Buffer.alloc(1), `${what}'s length`))[0]!;
  if (length === 0) throw malformed(`an empty ${what}`);
  return (await input.read(Buffer.alloc(length), what)).toString('latin1');
}

async function readSize(input: Input, what: string): Promise<number> {
  return new ByteReader(await input.read(Buffer.alloc(8), `${what}'s size`), 'backup archive').u64(`${what}'s size`);
}

async function deliver(input: Input, size: number, what: string, sink: (content: AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
  const before = input.consumed;
  await sink(input.pieces(size, what));
  if (input.consumed - before !== size) throw new AegeesError('INTERNAL', `the backup reader left part of ${what} unread`);
}

/**
 * Reads a whole archive into `sink`, enforcing its order (secrets by name, then one
 * database, then files by name, nothing repeated); returns the bytes read. Throws
 * MALFORMED for anything else.
 */
export async function readArchive(source: AsyncIterable<Buffer>, sink: ArchiveSink): Promise<number> {
  const input = new Input(source[Symbol.asyncIterator]());
  let lastSecret = '';
  let lastFile = '';
  let sawDatabase = false;
  while (!(await input.atEnd())) {
    const kind = (await input.read(Buffer.alloc(1), 'a record kind'))[0]!;
    if (kind === RecordKind.Secret) {
      if (sawDatabase) throw malformed('a secret after the database');
      const name = await readName(input, 'secret name');
      if (!BACKUP_SECRET_NAMES.includes(name)) throw malformed(`unknown secret ${JSON.stringify(name)}`);
      if (name <= lastSecret) throw malformed('secrets out of order or repeated');
      lastSecret = name;
      const length = (await input.read(Buffer.alloc(4), `secret ${name}'s length`)).readUInt32BE(0);
      if (length === 0 || length > MAX_SECRET_BYTES) throw malformed(`secret ${name} has ${length} bytes`);
      const value = secureBuffer(length);
      try {
        await sink.secret(name, await input.read(value, `secret ${name}`));
      } finally {
        wipe(value);
      }
    } else if (kind === RecordKind.Database) {
      if (sawDatabase) throw malformed('a second database');
      sawDatabase = true;
      const snapshotKey = secureBuffer(DATABASE_KEY_BYTES);
      try {
        await input.read(snapshotKey, 'the database key');
        const size = await readSize(input, 'the database');
        await deliver(input, size, 'the database', (content) => sink.database(snapshotKey, size, content));
      } finally {
        wipe(snapshotKey);
      }
    } else if (kind === RecordKind.File) {
      if (!sawDatabase) throw malformed('a file before the database');
      const name = await readName(input, 'file name');
      if (!isAttachmentFileName(name)) throw malformed(`file name ${JSON.stringify(name)}`);
      if (name <= lastFile) throw malformed('files out of order or repeated');
      lastFile = name;
      const size = await readSize(input, `file ${name}`);
      await deliver(input, size, `file ${name}`, (content) => sink.file(name, size, content));
    } else {
      throw malformed(`unknown record kind ${kind}`);
    }
  }
  if (!sawDatabase) throw malformed('it holds no database');
  return input.consumed;
}
