// Crypto core benchmarks, each as a ratio to raw libsodium calls measured in the same run:
// envelope seal + open against crypto_box_seal × N, and attachment streams (file to file,
// 1 GiB) against a plain secretstream loop over 64 KiB chunks, plus the peak RSS of a fresh
// process that encrypts and decrypts the 1 GiB file. Prints Markdown for docs/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import sodium from 'sodium-native';
import { MessageType } from '../../src/common/protocol/constants.js';
import { decryptAttachmentFile, encryptAttachmentFile, type EncryptedAttachment } from '../../src/core/crypto/attachment.js';
import { openEnvelope, sealEnvelope, type RecipientDevice } from '../../src/core/crypto/envelope.js';
import { generateAccount, generateDevice } from '../../src/core/crypto/identity.js';

const MIB = 1024 * 1024;
const FILE_BYTES = 1024 * MIB;
const CHUNK = 64 * 1024;
const ROUNDS = 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fixed = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// Rates are per CPU second of this process (all its threads), not per wall-clock second:
// the machine is shared, and time spent descheduled would otherwise land on whichever side
// of a ratio happened to be running.
function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Operations per CPU second of `op`, run repeatedly for about `seconds` of wall time. */
function opsPerSecond(op: () => void, seconds: number): number {
  op();
  let count = 0;
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  do {
    op();
    count++;
  } while (performance.now() - wallStart < seconds * 1000);
  return count / cpuSecondsSince(cpuStart);
}

// ---------------------------------------------------------------- envelopes

function envelopeRow(recipientCount: number): string {
  const senderAccount = generateAccount();
  const senderDevice = generateDevice();
  const devices = Array.from({ length: recipientCount }, () => generateDevice());
  const recipients: RecipientDevice[] = devices.map((device) => ({ deviceId: device.deviceId, encryptionKey: device.encryption.publicKey }));
  const reader = devices[devices.length - 1]!;
  const message = {
    type: MessageType.ChatMessage,
    conversationId: new Uint8Array(32),
    sentAt: Date.now(),
    body: new Uint8Array(200).fill(0x61),
    attachments: [],
    recipients,
  };
  const sender = { accountId: senderAccount.accountId, device: senderDevice };
  const senderKey = () => senderDevice.signing.publicKey;
  const envelopeBytes = sealEnvelope(sender, message).bytes.length;

  const ours = () => {
    openEnvelope(sealEnvelope(sender, message).bytes, reader, senderKey);
  };

  // Baseline 1: what the issue asks for, one crypto_box_seal of a 32-byte key per device.
  const key = Buffer.alloc(32, 1);
  const sealed = Buffer.alloc(32 + sodium.crypto_box_SEALBYTES);
  const boxSealN = () => {
    for (const recipient of recipients) sodium.crypto_box_seal(sealed, key, recipient.encryptionKey);
  };

  // Baseline 2: every libsodium call one seal + open needs, with nothing around them.
  const headerBytes = 112 + 32 * recipientCount + message.body.length;
  const plaintext = Buffer.alloc(headerBytes + 64, 2);
  const ciphertext = Buffer.alloc(plaintext.length + 16);
  const decrypted = Buffer.alloc(plaintext.length);
  const nonce = Buffer.alloc(24, 3);
  const signature = Buffer.alloc(64);
  const opened = Buffer.alloc(32);
  const hint = Buffer.alloc(16);
  const sealedForReader = Buffer.alloc(32 + sodium.crypto_box_SEALBYTES);
  sodium.crypto_box_seal(sealedForReader, key, reader.encryption.publicKey);
  const rawRoundTrip = () => {
    boxSealN();
    for (const recipient of recipients) sodium.crypto_generichash(hint, recipient.deviceId);
    sodium.crypto_sign_detached(signature, plaintext.subarray(0, headerBytes), senderDevice.signing.secretKey);
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext, plaintext, null, null, nonce, key);
    sodium.crypto_box_seal_open(opened, sealedForReader, reader.encryption.publicKey, reader.encryption.secretKey);
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(decrypted, null, ciphertext, null, nonce, key);
    sodium.crypto_sign_verify_detached(signature, plaintext.subarray(0, headerBytes), senderDevice.signing.publicKey);
  };

  const seconds = recipientCount >= 1000 ? 1 : 0.3;
  const samples = { ours: [] as number[], boxSeal: [] as number[], raw: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    samples.ours.push(opsPerSecond(ours, seconds));
    samples.boxSeal.push(opsPerSecond(boxSealN, seconds));
    samples.raw.push(opsPerSecond(rawRoundTrip, seconds));
  }
  const [o, b, r] = [median(samples.ours), median(samples.boxSeal), median(samples.raw)];
  return `| ${recipientCount} | ${fixed(envelopeBytes)} | ${fixed(o, 1)} | ${fixed(b, 1)} | **${fixed(o / b, 2)}** | ${fixed(r, 1)} | ${fixed(o / r, 2)} |`;
}

// ---------------------------------------------------------------- attachments

async function writeTestFile(path: string): Promise<void> {
  const handle = await open(path, 'w');
  const block = Buffer.alloc(MIB);
  for (let offset = 0; offset < FILE_BYTES; offset += MIB) {
    sodium.randombytes_buf(block.subarray(0, 4096));
    for (let at = 4096; at < MIB; at *= 2) block.copy(block, at, 0, Math.min(at, MIB - at));
    await handle.write(block);
  }
  await handle.close();
}

/** A plain secretstream push loop over the 64 KiB chunks a file read stream yields. */
async function rawEncrypt(source: string, target: string, withHash: boolean): Promise<void> {
  const key = Buffer.alloc(32, 7);
  const state = Buffer.alloc(sodium.crypto_secretstream_xchacha20poly1305_STATEBYTES);
  const header = Buffer.alloc(sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES);
  sodium.crypto_secretstream_xchacha20poly1305_init_push(state, header, key);
  const hash = createHash('sha256');
  await pipeline(
    createReadStream(source, { highWaterMark: CHUNK }),
    async function* (chunks: AsyncIterable<Buffer>) {
      yield header;
      for await (const chunk of chunks) {
        const out = Buffer.allocUnsafe(chunk.length + 17);
        sodium.crypto_secretstream_xchacha20poly1305_push(state, out, chunk, null, sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
        if (withHash) hash.update(out);
        yield out;
      }
      const last = Buffer.allocUnsafe(17);
      sodium.crypto_secretstream_xchacha20poly1305_push(state, last, Buffer.alloc(0), null, sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL);
      yield last;
    },
    createWriteStream(target),
  );
  if (withHash) hash.digest();
}

/** The matching pull loop: the header read first, then reads aligned to ciphertext chunks. */
async function rawDecrypt(source: string, target: string, withHash: boolean): Promise<void> {
  const key = Buffer.alloc(32, 7);
  const state = Buffer.alloc(sodium.crypto_secretstream_xchacha20poly1305_STATEBYTES);
  const tag = Buffer.alloc(1);
  const hash = createHash('sha256');
  const header = Buffer.alloc(sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES);
  const handle = await open(source, 'r');
  await handle.read(header, 0, header.length, 0);
  await handle.close();
  if (withHash) hash.update(header);
  sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, header, key);
  await pipeline(
    createReadStream(source, { start: header.length, highWaterMark: CHUNK + 17 }),
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        if (withHash) hash.update(chunk);
        const out = Buffer.allocUnsafe(chunk.length - 17);
        sodium.crypto_secretstream_xchacha20poly1305_pull(state, out, tag, chunk, null);
        yield out;
      }
    },
    createWriteStream(target),
  );
  if (withHash) hash.digest();
}

async function seconds(action: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await action();
  return cpuSecondsSince(start);
}

interface RssReport {
  startRss: number;
  maxRss: number;
}

function measureRss(mode: 'ours' | 'raw', plain: string, dir: string): RssReport {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, ['--import', 'tsx', self, '--rss-child', mode, plain, dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`RSS child failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as RssReport;
}

async function rssChild(mode: string, plain: string, dir: string): Promise<void> {
  const startRss = process.memoryUsage().rss;
  if (mode === 'ours') {
    const { key, ciphertextHash } = await encryptAttachmentFile(plain, join(dir, 'rss.enc'));
    await decryptAttachmentFile(join(dir, 'rss.enc'), join(dir, 'rss.dec'), key, { expectedHash: ciphertextHash });
  } else {
    await rawEncrypt(plain, join(dir, 'rss.enc'), false);
    await rawDecrypt(join(dir, 'rss.enc'), join(dir, 'rss.dec'), false);
  }
  process.stdout.write(JSON.stringify({ startRss, maxRss: process.resourceUsage().maxRSS * 1024 }));
}

// Files on tmpfs where there is one: the ratios are about the streams' CPU cost, and a disk
// shared with other work makes the I/O time, and so the ratios, vary run to run.
const benchRoot = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

async function attachmentSection(): Promise<string[]> {
  const dir = mkdtempSync(join(benchRoot, 'aegees-bench-'));
  try {
    const plain = join(dir, 'plain');
    await writeTestFile(plain);
    const encrypted = join(dir, 'ours.enc');
    const samples = { enc: [] as number[], rawEnc: [] as number[], rawEncHash: [] as number[], dec: [] as number[], rawDec: [] as number[], rawDecHash: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      let secrets: EncryptedAttachment | undefined;
      samples.enc.push(await seconds(async () => (secrets = await encryptAttachmentFile(plain, encrypted))));
      samples.rawEnc.push(await seconds(() => rawEncrypt(plain, join(dir, 'raw.enc'), false)));
      samples.rawEncHash.push(await seconds(() => rawEncrypt(plain, join(dir, 'raw.enc'), true)));
      samples.dec.push(await seconds(() => decryptAttachmentFile(encrypted, join(dir, 'ours.dec'), secrets!.key, { expectedHash: secrets!.ciphertextHash })));
      samples.rawDec.push(await seconds(() => rawDecrypt(join(dir, 'raw.enc'), join(dir, 'raw.dec'), false)));
      samples.rawDecHash.push(await seconds(() => rawDecrypt(join(dir, 'raw.enc'), join(dir, 'raw.dec'), true)));
      if (statSync(join(dir, 'ours.dec')).size !== FILE_BYTES) throw new Error('decrypted size differs');
      for (const name of ['ours.dec', 'raw.dec']) rmSync(join(dir, name));
    }
    const rate = (values: number[]) => FILE_BYTES / MIB / median(values);
    const row = (name: string, ours: number[], raw: number[], rawHash: number[]) =>
      `| ${name} | ${fixed(rate(ours))} | ${fixed(rate(raw))} | **${fixed(rate(ours) / rate(raw), 2)}** | ${fixed(rate(rawHash))} | ${fixed(rate(ours) / rate(rawHash), 2)} |`;
    const ours = measureRss('ours', plain, dir);
    const raw = measureRss('raw', plain, dir);
    const mib = (bytes: number) => fixed(bytes / MIB);
    return [
      `Files in \`${benchRoot}\`; MiB per CPU second, median of ${ROUNDS} rounds.`,
      '',
      '| 1 GiB, file to file | ours MiB/s | raw secretstream MiB/s | ratio | raw + SHA-256 MiB/s | ratio |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      row('encrypt (hash computed)', samples.enc, samples.rawEnc, samples.rawEncHash),
      row('decrypt (hash checked)', samples.dec, samples.rawDec, samples.rawDecHash),
      '',
      '| peak RSS, fresh process, 1 GiB | at start MiB | peak MiB | growth MiB |',
      '| --- | ---: | ---: | ---: |',
      `| encrypt + decrypt (ours) | ${mib(ours.startRss)} | ${mib(ours.maxRss)} | **${mib(ours.maxRss - ours.startRss)}** |`,
      `| encrypt + decrypt (raw secretstream loop) | ${mib(raw.startRss)} | ${mib(raw.maxRss)} | ${mib(raw.maxRss - raw.startRss)} |`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--rss-child') {
  await rssChild(process.argv[3]!, process.argv[4]!, process.argv[5]!);
} else {
  const lines = ['## Crypto', '', '### Envelope seal + open', '', `Operations per CPU second, median of ${ROUNDS} interleaved rounds.`, ''];
  lines.push('| recipient devices | envelope bytes | seal + open /s | crypto_box_seal × N /s | ratio | raw round trip /s | ratio |');
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const count of [1, 10, 100, 1000]) lines.push(envelopeRow(count));
  lines.push('', '### Attachment streams', '');
  lines.push(...(await attachmentSection()));
  console.log(lines.join('\n'));
}
