// The archive inside a backup's stream: what the record encoders write, the streaming
// reader gives back however the bytes are cut into pieces; any other byte string is read
// or refused with an AegeesError; order and repetition rules are enforced.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAegeesError } from '../../../src/common/errors.js';
import {
  BACKUP_SECRET_NAMES, RecordKind, databaseRecordHead, fileRecordHead, readArchive, secretRecord, type ArchiveSink,
} from '../../../src/core/backup/archive.js';
import { randomBytes } from '../../../src/core/crypto/sodium.js';

interface Read {
  secrets: Array<[string, Buffer]>;
  database?: { key: Buffer; content: Buffer };
  files: Array<[string, Buffer]>;
}

async function collect(content: AsyncIterable<Buffer>): Promise<Buffer> {
  const pieces: Buffer[] = [];
  // Copies: pieces are views the reader reuses.
  for await (const piece of content) pieces.push(Buffer.from(piece));
  return Buffer.concat(pieces);
}

async function read(pieces: readonly Buffer[]): Promise<Read & { bytes: number }> {
  const out: Read = { secrets: [], files: [] };
  const sink: ArchiveSink = {
    secret: async (name, value) => {
      out.secrets.push([name, Buffer.from(value)]);
    },
    database: async (key, _size, content) => {
      out.database = { key: Buffer.from(key), content: await collect(content) };
    },
    file: async (name, _size, content) => {
      out.files.push([name, await collect(content)]);
    },
  };
  // The reader wipes what it has consumed, so it gets copies.
  const bytes = await readArchive((async function* () {
    for (const piece of pieces) yield Buffer.from(piece);
  })(), sink);
  return { ...out, bytes };
}

function encode(archive: Read): Buffer {
  return Buffer.concat([
    ...archive.secrets.map(([name, value]) => secretRecord(name, value)),
    databaseRecordHead(archive.database!.key, archive.database!.content.length),
    archive.database!.content,
    ...archive.files.flatMap(([name, content]) => [fileRecordHead(name, content.length), content]),
  ]);
}

function cut(bytes: Buffer, points: readonly number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const point of sorted) {
    pieces.push(bytes.subarray(from, point));
    from = point;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

const archives = fc.record({
  secrets: fc.subarray([...BACKUP_SECRET_NAMES]).chain((names) =>
    fc.tuple(...names.map((name) => fc.uint8Array({ minLength: 1, maxLength: 200 }).map((v) => [name, Buffer.from(v)] as [string, Buffer]))),
  ),
  database: fc.record({
    key: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((k) => Buffer.from(k)),
    content: fc.uint8Array({ maxLength: 3000 }).map((c) => Buffer.from(c)),
  }),
  files: fc.uniqueArray(fc.stringMatching(/^[0-9a-f]{1,8}$/), { maxLength: 5 }).chain((names) =>
    fc.tuple(...[...names].sort().map((name) => fc.uint8Array({ maxLength: 2000 }).map((c) => [name, Buffer.from(c)] as [string, Buffer]))),
  ),
});

async function refusal(pieces: readonly Buffer[]): Promise<string | undefined> {
  try {
    await read(pieces);
  } catch (error) {
    if (isAegeesError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('backup archive', () => {
  it('reads back what the encoders wrote, however the stream is cut', async () => {
    await fc.assert(
      fc.asyncProperty(archives, fc.array(fc.nat(), { maxLength: 12 }), async (archive, points) => {
        const bytes = encode(archive);
        const result = await read(cut(bytes, points));
        expect(result.bytes).toBe(bytes.length);
        expect(result.secrets).toEqual(archive.secrets);
        expect(result.database).toEqual(archive.database);
        expect(result.files).toEqual(archive.files);
      }),
    );
  });

  it('reads or refuses with an AegeesError any byte string, including damaged archives', async () => {
    const damaged = fc.tuple(archives, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([archive, at, xor]) => {
      const bytes = encode(archive);
      bytes[at % bytes.length]! ^= xor;
      return bytes;
    });
    const truncated = fc.tuple(archives, fc.nat()).map(([archive, at]) => {
      const bytes = encode(archive);
      return bytes.subarray(0, at % bytes.length);
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), damaged, truncated), async (bytes) => {
        try {
          await read([bytes]);
        } catch (error) {
          expect(isAegeesError(error), String(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses records out of order, repeated, unknown or missing', async () => {
    const key = randomBytes(32);
    const secret = (name: string) => secretRecord(name, Buffer.of(1));
    const db = Buffer.concat([databaseRecordHead(key, 2), Buffer.of(7, 7)]);
    const file = (name: string) => Buffer.concat([fileRecordHead(name, 1), Buffer.of(9)]);
    const [first, second] = BACKUP_SECRET_NAMES as [string, string];
    const cases: Array<[string, Buffer]> = [
      ['no database', Buffer.concat([secret(first)])],
      ['nothing at all', Buffer.alloc(0)],
      ['two databases', Buffer.concat([db, db])],
      ['a secret after the database', Buffer.concat([db, secret(first)])],
      ['secrets out of order', Buffer.concat([secret(second), secret(first), db])],
      ['a repeated secret', Buffer.concat([secret(first), secret(first), db])],
      ['files out of order', Buffer.concat([db, file('b'), file('a')])],
      ['a repeated file', Buffer.concat([db, file('a'), file('a')])],
      ['a file before the database', Buffer.concat([file('a'), db])],
      ['an unknown kind', Buffer.concat([db, Buffer.of(9)])],
      ['a record kind of zero', Buffer.concat([db, Buffer.of(0)])],
      ['an unknown secret name', Buffer.concat([Buffer.of(RecordKind.Secret, 12), Buffer.from('database-key'), Buffer.of(0, 0, 0, 1, 1), db])],
      ['an empty secret', Buffer.concat([Buffer.of(RecordKind.Secret, first.length), Buffer.from(first), Buffer.of(0, 0, 0, 0), db])],
      ['a file name that leaves the folder', Buffer.concat([db, Buffer.of(RecordKind.File, 5), Buffer.from('../ab'), Buffer.alloc(8)])],
      ['a file name in upper case', Buffer.concat([db, Buffer.of(RecordKind.File, 2), Buffer.from('AB'), Buffer.alloc(8)])],
      ['a size above 2^53 - 1', Buffer.concat([Buffer.of(RecordKind.Database), key, Buffer.alloc(8, 0xff)])],
      ['a database cut short', db.subarray(0, db.length - 1)],
    ];
    for (const [what, bytes] of cases) expect(await refusal([bytes]), what).toBe('MALFORMED');
  });

  it('refuses to encode what it could not read back', () => {
    expect(() => secretRecord('database-key', Buffer.of(1))).toThrow(/not a secret a backup carries/);
    expect(() => secretRecord(BACKUP_SECRET_NAMES[0]!, Buffer.alloc(0))).toThrow();
    expect(() => fileRecordHead('../x', 1)).toThrow();
    expect(() => databaseRecordHead(Buffer.alloc(31), 1)).toThrow();
  });
});
