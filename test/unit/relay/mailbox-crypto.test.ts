// Per-relay mailbox keys and the relay transcripts (docs/PROTOCOL.md §8): the vectors of
// §8.6, unlinkability across relays, and that every field of every transcript matters.
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { domainPrefix } from '../../../src/common/protocol/codec.js';
import { isAegeesError } from '../../../src/common/errors.js';
import {
  deriveMailboxKeyPair,
  depositDigest,
  mailboxIdFor,
  mailboxIdOf,
  signBlobReceipt,
  signDepositReceipt,
  signMailboxAuth,
  signRelayChallenge,
  signRelayInfo,
  verifyBlobReceipt,
  verifyDepositReceipt,
  verifyMailboxAuth,
  verifyRelayChallenge,
  verifyRelayInfo,
  type ChallengeContext,
} from '../../../src/core/crypto/mailbox.js';
import { randomBytes, signingKeyPair } from '../../../src/core/crypto/sodium.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// §8.6 test vectors.
const root = Buffer.alloc(32, 1);
const relay = signingKeyPair(Buffer.alloc(32, 2));
const context: ChallengeContext = {
  relayKey: relay.publicKey,
  nonce: Buffer.alloc(32, 3),
  clientNonce: Buffer.alloc(32, 4),
  channelBinding: Buffer.alloc(32, 0),
};

/** §8.5: the deposits of message ids 16 × `05` and 16 × `06` to the vector mailbox. */
function receiptVectorEntries() {
  const mailboxId = mailboxIdOf(deriveMailboxKeyPair(root, relay.publicKey).publicKey);
  const digestOf = (fill: number) => depositDigest({
    msgId: Buffer.alloc(16, fill), mailboxIds: [mailboxId], blobIds: [], envelope: Buffer.from('envelope'),
  });
  return [
    { digest: digestOf(5), expiresAt: 1_800_000_000_000 },
    { digest: digestOf(6), expiresAt: 1_800_000_000_001 },
  ] as const;
}

describe('mailbox keys', () => {
  it('match the protocol vectors', () => {
    const keyPair = deriveMailboxKeyPair(root, relay.publicKey);
    expect(hex(relay.publicKey)).toBe('8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394');
    expect(hex(keyPair.publicKey)).toBe('ce264c236db46e7db9b31fcc25e871f71bc0b2af8bf34bae536c496c0e606e26');
    expect(hex(mailboxIdOf(keyPair.publicKey))).toBe('0173a28d99b0176e88ff7fca3be9c2ae81964582fb05461d0b1d9cbb868610ea');
    expect(hex(signMailboxAuth(context, keyPair))).toBe(
      '41fc09f5e25ff6c021b7f6eeff2222bfe59bd5bda6636a3e556041a69e0517727a6b63e5350ceb049617b85415667766763319cdee8886bbb36c8c0f0830e306',
    );
    expect(hex(signRelayChallenge(context, relay.secretKey))).toBe(
      'bab22a3853afd245b048adffad77143f8fdf074ca18d19ed1bff63d5a1164dc43e81355bcd82331625d0cd9f1e382bfb637d6a738b6f7b71f564f39ef7c99303',
    );
    expect(hex(depositDigest({
      msgId: Buffer.alloc(16, 5), mailboxIds: [mailboxIdOf(keyPair.publicKey)], blobIds: [], envelope: Buffer.from('envelope'),
    }))).toBe('64c22064a932f549d5a34e300372418e04990e51f48d7e00626c8a65ae02fe02');
    const [first, second] = receiptVectorEntries();
    expect(hex(second.digest)).toBe('868df1e8a2b39b8dca52ae435277178c8933896ce50535e13c1550cf14ca3f82');
    expect(hex(signDepositReceipt(relay.publicKey, [first], relay.secretKey))).toBe(
      '00095ee6fc94fcdc0dfb1bb7e66977bda93be2d4c4582976ba3e7b333e7eb97c824de6d4b2d979f5d702aae59d960326ccae702041e237c371f8b97d81cbae0f',
    );
    expect(hex(signDepositReceipt(relay.publicKey, [first, second], relay.secretKey))).toBe(
      'c57adb8aedd34a4aca33c11033dad610dbfe0097ec77aac04847c32ab3c9511f3b6c4d3f5dde2a0373356f582bc0eb0423997e1c91191ab8e1f8e0d833878803',
    );
  });

  it('sign transcripts an independent Ed25519 implementation verifies as specified', () => {
    const keyPair = deriveMailboxKeyPair(root, relay.publicKey);
    const mailboxId = mailboxIdOf(keyPair.publicKey);
    const authTranscript = Buffer.concat([
      domainPrefix('aegees/v1/mailbox-auth'), context.relayKey, context.nonce, context.clientNonce, context.channelBinding, mailboxId,
    ]);
    expect(ed25519.verify(signMailboxAuth(context, keyPair), authTranscript, keyPair.publicKey)).toBe(true);
    const challengeTranscript = Buffer.concat([
      domainPrefix('aegees/v1/relay-challenge'), context.relayKey, context.nonce, context.clientNonce, context.channelBinding,
    ]);
    expect(ed25519.verify(signRelayChallenge(context, relay.secretKey), challengeTranscript, relay.publicKey)).toBe(true);
    const entries = receiptVectorEntries();
    const expiry = (value: number) => {
      const bytes = Buffer.alloc(8);
      bytes.writeBigUInt64BE(BigInt(value));
      return bytes;
    };
    const receiptTranscript = Buffer.concat([
      domainPrefix('aegees/v1/deposit-receipt'), relay.publicKey, Buffer.from([0, 0, 0, 2]),
      ...entries.flatMap((entry) => [entry.digest, expiry(entry.expiresAt)]),
    ]);
    expect(ed25519.verify(signDepositReceipt(relay.publicKey, entries, relay.secretKey), receiptTranscript, relay.publicKey)).toBe(true);
  });

  it('are deterministic per relay and unlinkable across relays', () => {
    const otherRelay = signingKeyPair().publicKey;
    expect(mailboxIdFor(root, relay.publicKey)).toEqual(mailboxIdFor(root, relay.publicKey));
    expect(mailboxIdFor(root, otherRelay)).not.toEqual(mailboxIdFor(root, relay.publicKey));
    expect(mailboxIdFor(randomBytes(32), relay.publicKey)).not.toEqual(mailboxIdFor(root, relay.publicKey));
  });

  it('refuse inputs of the wrong length', () => {
    expect(() => deriveMailboxKeyPair(Buffer.alloc(31), relay.publicKey)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => mailboxIdOf(Buffer.alloc(33))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => signRelayChallenge({ ...context, nonce: Buffer.alloc(16) }, relay.secretKey))
      .toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('mailbox authentication', () => {
  const keyPair = deriveMailboxKeyPair(root, relay.publicKey);
  const signature = signMailboxAuth(context, keyPair);

  it('returns the mailbox id for a valid response', () => {
    expect(verifyMailboxAuth(context, keyPair.publicKey, signature)).toEqual(mailboxIdOf(keyPair.publicKey));
  });

  it.each([
    ['another relay', { relayKey: signingKeyPair().publicKey }],
    ['another nonce', { nonce: randomBytes(32) }],
    ['another client nonce', { clientNonce: randomBytes(32) }],
    ['another TLS connection', { channelBinding: randomBytes(32) }],
  ])('fails for %s', (_name, change) => {
    expect(verifyMailboxAuth({ ...context, ...change }, keyPair.publicKey, signature)).toBeUndefined();
    expect(verifyRelayChallenge({ ...context, ...change }, signRelayChallenge(context, relay.secretKey))).toBe(false);
  });

  it('fails for another key, a flipped bit, or a malformed key', () => {
    expect(verifyMailboxAuth(context, signingKeyPair().publicKey, signature)).toBeUndefined();
    const flipped = Buffer.from(signature);
    flipped[10]! ^= 1;
    expect(verifyMailboxAuth(context, keyPair.publicKey, flipped)).toBeUndefined();
    expect(verifyMailboxAuth(context, Buffer.alloc(31), signature)).toBeUndefined();
  });
});

describe('relay statements', () => {
  it('verify the information document text exactly', () => {
    const text = '{"protocol":"aegees-relay","version":1}';
    const signature = signRelayInfo(text, relay.secretKey);
    expect(verifyRelayInfo(text, signature, relay.publicKey)).toBe(true);
    expect(verifyRelayInfo(`${text} `, signature, relay.publicKey)).toBe(false);
    expect(verifyRelayInfo(text, signature, signingKeyPair().publicKey)).toBe(false);
  });

  it('bind deposit receipts to every digest and expiry they list, their order and the relay', () => {
    const entries = [
      { digest: randomBytes(32), expiresAt: 1_800_000_000_000 },
      { digest: randomBytes(32), expiresAt: 1_800_000_000_500 },
    ];
    const signature = signDepositReceipt(relay.publicKey, entries, relay.secretKey);
    expect(verifyDepositReceipt(relay.publicKey, entries, signature)).toBe(true);
    expect(verifyDepositReceipt(relay.publicKey, [entries[0]!, { ...entries[1]!, expiresAt: 1_800_000_000_501 }], signature)).toBe(false);
    expect(verifyDepositReceipt(relay.publicKey, [entries[0]!, { ...entries[1]!, digest: randomBytes(32) }], signature)).toBe(false);
    expect(verifyDepositReceipt(relay.publicKey, [entries[1]!, entries[0]!], signature)).toBe(false);
    expect(verifyDepositReceipt(relay.publicKey, [entries[0]!], signature)).toBe(false);
    expect(verifyDepositReceipt(signingKeyPair().publicKey, entries, signature)).toBe(false);
    expect(() => signDepositReceipt(relay.publicKey, [], relay.secretKey)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('bind blob receipts to the blob and its size', () => {
    const receipt = { relayKey: relay.publicKey, blobId: randomBytes(32), size: 12345 };
    const signature = signBlobReceipt(receipt, relay.secretKey);
    expect(verifyBlobReceipt(receipt, signature)).toBe(true);
    expect(verifyBlobReceipt({ ...receipt, size: 12346 }, signature)).toBe(false);
  });
});

describe('deposit digest', () => {
  const a = randomBytes(32);
  const b = randomBytes(32);
  const base = { msgId: randomBytes(16), mailboxIds: [a, b], blobIds: [], envelope: randomBytes(100) };

  it('ignores list order and covers every field', () => {
    const digest = depositDigest(base);
    expect(depositDigest({ ...base, mailboxIds: [b, a] })).toEqual(digest);
    expect(depositDigest({ ...base, mailboxIds: [a] })).not.toEqual(digest);
    expect(depositDigest({ ...base, blobIds: [randomBytes(32)] })).not.toEqual(digest);
    expect(depositDigest({ ...base, msgId: randomBytes(16) })).not.toEqual(digest);
    expect(depositDigest({ ...base, envelope: Buffer.concat([base.envelope, Buffer.of(0)]) })).not.toEqual(digest);
  });

  it('refuses duplicate ids', () => {
    let error: unknown;
    try {
      depositDigest({ ...base, mailboxIds: [a, a] });
    } catch (caught) {
      error = caught;
    }
    expect(isAegeesError(error, 'INVALID_ARGUMENT')).toBe(true);
  });
});
