// Properties of every decoder: any byte string either decodes or is rejected with an
// AegeesError (never another exception), and whatever decodes is the one canonical
// encoding of its value (encode ∘ decode is the identity on accepted input).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AegeesError } from '../../../src/common/errors.js';
import { compareBytes, fromHex, toHex, utf8Decode, utf8Encode } from '../../../src/common/protocol/codec.js';
import { MessageType } from '../../../src/common/protocol/constants.js';
import {
  decodeDeviceCertificate,
  decodeDeviceList,
  encodeDeviceCertificate,
  encodeDeviceList,
  type DeviceCertificate,
  type DeviceList,
} from '../../../src/common/protocol/device-list.js';
import {
  decodeEnvelope,
  decodeHeaderBlock,
  encodeEnvelope,
  encodeHeaderBlock,
  type Envelope,
  type HeaderBlock,
} from '../../../src/common/protocol/envelope.js';
import {
  decodeDepositFrame,
  decodeEnvelopeFrame,
  encodeDepositFrame,
  encodeEnvelopeFrame,
  type BinaryDeposit,
  type BinaryEnvelope,
} from '../../../src/common/relay-frames.js';
import { openDeviceList } from '../../../src/core/crypto/device-list.js';
import { openEnvelope, sealEnvelope } from '../../../src/core/crypto/envelope.js';
import { importAccountSecret, importDeviceSecrets } from '../../../src/core/crypto/identity.js';
import { chatMessage, lookupIn, makeAccount, plain, recipientsOf } from './helpers.js';

const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const printable = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength, maxLength });
const text = (maxBytes: number) => fc.string({ unit: 'grapheme', maxLength: 12 }).filter((value) => utf8Encode(value, 't').length <= maxBytes);
const u53 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const sortedUnique = (min: number, max: number) =>
  fc.uniqueArray(bytes(32), { minLength: min, maxLength: max, selector: toHex }).map((values) => values.sort(compareBytes));

const depositFrame = fc.record<BinaryDeposit>({
  id: fc.integer({ min: 0, max: 0xffff_ffff }),
  msgId: bytes(16),
  mailboxIds: sortedUnique(1, 5),
  blobIds: sortedUnique(0, 3),
  envelope: fc.uint8Array({ minLength: 1, maxLength: 200 }),
});
const envelopeFrame = fc.record<BinaryEnvelope>({ msgId: bytes(16), expiresAt: u53, envelope: fc.uint8Array({ minLength: 1, maxLength: 200 }) });

const certificate = (accountId: fc.Arbitrary<Uint8Array>, signingKey: fc.Arbitrary<Uint8Array>, encryptionKey: fc.Arbitrary<Uint8Array>) =>
  fc.record<DeviceCertificate>({
    accountId,
    signingKey,
    encryptionKey,
    createdAt: u53,
    label: text(64),
    bindingSignature: bytes(64),
    signature: bytes(64),
  });

const deviceList: fc.Arbitrary<DeviceList> = fc
  .record({
    accountId: bytes(32),
    version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    issuedAt: u53,
    signingKeys: sortedUnique(1, 4),
    relays: fc.uniqueArray(fc.record({ url: printable(1, 40), relayKey: bytes(32) }), {
      maxLength: 3,
      selector: (relay) => relay.url,
    }).filter((relays) => new Set(relays.map((relay) => toHex(relay.relayKey))).size === relays.length),
    signature: bytes(64),
  })
  .chain((base) =>
    fc
      .tuple(
        ...base.signingKeys.map((key, index) =>
          fc.record({
            certificate: certificate(fc.constant(base.accountId), fc.constant(key), bytes(31).map((b) => Uint8Array.of(index, ...b))),
            mailboxIds: fc.array(bytes(32), { minLength: base.relays.length, maxLength: base.relays.length }),
          }),
        ),
      )
      .map((devices) => ({ accountId: base.accountId, version: base.version, issuedAt: base.issuedAt, devices, relays: base.relays, signature: base.signature })),
  );

const headerBlock: fc.Arbitrary<HeaderBlock> = fc.record({
  type: fc.constantFrom(...Object.values(MessageType)),
  conversationId: bytes(32),
  senderAccount: bytes(32),
  senderDevice: bytes(32),
  sentAt: u53,
  recipients: sortedUnique(1, 5),
  body: fc.uint8Array({ maxLength: 300 }),
  attachments: fc.array(
    fc.record({
      blobId: bytes(32),
      relays: fc.uniqueArray(printable(1, 30), { minLength: 1, maxLength: 3 }),
      size: fc.integer({ min: 0, max: 2 ** 40 }),
      mime: printable(1, 20),
      name: text(1024),
      key: bytes(32),
      ciphertextHash: bytes(32),
    }),
    { maxLength: 3 },
  ),
});

const envelope: fc.Arbitrary<Envelope> = fc.integer({ min: 1, max: 4 }).chain((slotCount) =>
  fc.record({
    msgId: bytes(16),
    nonce: bytes(24),
    commitment: bytes(32),
    slots: fc.array(fc.record({ hint: bytes(8), sealedKey: bytes(80) }), { minLength: slotCount, maxLength: slotCount }),
    ciphertext: fc.integer({ min: 0, max: 40 }).chain((extra) => bytes(112 + 32 * slotCount + 80 + extra)),
  }),
);

/** Bit flips, truncation, insertion and deletion applied to a valid encoding. */
function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('flip', 'cut', 'insert', 'delete', 'set')), { minLength: 1, maxLength: 3 })).map(
    ([input, edits]) => {
      let out = [...input];
      for (const [where, value, edit] of edits) {
        const at = out.length === 0 ? 0 : where % out.length;
        if (edit === 'flip' && out.length > 0) out[at] = out[at]! ^ (1 << (value % 8));
        else if (edit === 'cut') out = out.slice(0, at);
        else if (edit === 'insert') out.splice(at, 0, value);
        else if (edit === 'delete') out.splice(at, 1);
        else if (out.length > 0) out[at] = value;
      }
      return Uint8Array.from(out);
    },
  );
}

/** Runs a decoder: returns its value, or undefined after an AegeesError; rethrows anything else. */
function attempt<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (error) {
    if (error instanceof AegeesError) return undefined;
    throw error;
  }
}

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ minLength: 1, maxLength: 600 }).map((b) => Uint8Array.of(1, ...b)));

describe('codec primitives', () => {
  it('encode UTF-8 exactly as TextEncoder does for well-formed strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (value) => {
      expect(toHex(utf8Encode(value, 'value'))).toBe(toHex(new TextEncoder().encode(value)));
    }));
  });

  it('accept exactly the byte strings a fatal TextDecoder accepts, with the same result', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'grapheme' }).map((value) => new TextEncoder().encode(value))), (input) => {
      let expected: string | undefined;
      try {
        expected = decoder.decode(input);
      } catch {
        expected = undefined;
      }
      expect(utf8Decode(input)).toBe(expected);
    }), { numRuns: 2000 });
  });

  it('refuse strings with unpaired surrogates', () => {
    expect(() => utf8Encode('a\ud800b', 'name')).toThrow(AegeesError);
    expect(() => utf8Encode('\udc00', 'name')).toThrow(AegeesError);
  });

  it('round-trip hex and reject non-hex', () => {
    fc.assert(fc.property(fc.uint8Array(), (value) => toHex(fromHex(toHex(value))) === toHex(value)));
    expect(() => fromHex('abc')).toThrow(AegeesError);
    expect(() => fromHex('zz')).toThrow(AegeesError);
  });
});

describe('round trips', () => {
  it('device certificates', () => {
    fc.assert(fc.property(certificate(bytes(32), bytes(32), bytes(32)), (value) => {
      const encoded = encodeDeviceCertificate(value);
      expect(plain(decodeDeviceCertificate(encoded))).toEqual(plain(value));
    }));
  });

  it('device lists', () => {
    fc.assert(fc.property(deviceList, (value) => {
      const encoded = encodeDeviceList(value);
      expect(plain(decodeDeviceList(encoded))).toEqual(plain(value));
    }), { numRuns: 200 });
  });

  it('header blocks', () => {
    fc.assert(fc.property(headerBlock, (value) => {
      const encoded = encodeHeaderBlock(value);
      expect(plain(decodeHeaderBlock(encoded))).toEqual(plain(value));
    }), { numRuns: 200 });
  });

  it('relay deposit and envelope frames', () => {
    fc.assert(fc.property(depositFrame, (value) => {
      expect(plain(decodeDepositFrame(encodeDepositFrame(value)))).toEqual(plain(value));
    }), { numRuns: 200 });
    fc.assert(fc.property(envelopeFrame, (value) => {
      expect(plain(decodeEnvelopeFrame(encodeEnvelopeFrame(value)))).toEqual(plain(value));
    }), { numRuns: 200 });
  });

  it('envelopes', () => {
    fc.assert(fc.property(envelope, (value) => {
      const encoded = encodeEnvelope(value);
      const { associatedData, ...decoded } = decodeEnvelope(encoded);
      expect(plain(decoded)).toEqual(plain(value));
      expect(toHex(associatedData)).toBe(toHex(encoded.subarray(0, encoded.length - value.ciphertext.length)));
    }), { numRuns: 200 });
  });
});

describe('every decoder, on any bytes, decodes canonically or throws an AegeesError', () => {
  const cases: Array<[string, fc.Arbitrary<Uint8Array>, (input: Uint8Array) => Uint8Array | undefined]> = [
    ['device certificate', certificate(bytes(32), bytes(32), bytes(32)).map(encodeDeviceCertificate), (input) => {
      const value = attempt(() => decodeDeviceCertificate(input));
      return value && encodeDeviceCertificate(value);
    }],
    ['device list', deviceList.map(encodeDeviceList), (input) => {
      const value = attempt(() => decodeDeviceList(input));
      return value && encodeDeviceList(value);
    }],
    ['header block', headerBlock.map(encodeHeaderBlock), (input) => {
      const value = attempt(() => decodeHeaderBlock(input));
      return value && encodeHeaderBlock(value);
    }],
    ['envelope', envelope.map(encodeEnvelope), (input) => {
      const value = attempt(() => decodeEnvelope(input));
      return value && encodeEnvelope(value);
    }],
    ['relay deposit frame', depositFrame.map(encodeDepositFrame), (input) => {
      const value = attempt(() => decodeDepositFrame(input));
      return value && encodeDepositFrame(value);
    }],
    ['relay envelope frame', envelopeFrame.map(encodeEnvelopeFrame), (input) => {
      const value = attempt(() => decodeEnvelopeFrame(input));
      return value && encodeEnvelopeFrame(value);
    }],
  ];

  for (const [name, valid, roundTrip] of cases) {
    it(`${name}: arbitrary and mutated bytes`, () => {
      fc.assert(fc.property(fc.oneof(anyBytes, mutated(valid)), (input) => {
        const reencoded = roundTrip(input);
        if (reencoded) expect(toHex(reencoded)).toBe(toHex(input));
      }), { numRuns: 1000 });
    });
  }

  it('signed device lists and device secrets', () => {
    const { listBytes } = makeAccount(2);
    fc.assert(fc.property(fc.oneof(anyBytes, mutated(fc.constant(listBytes))), (input) => {
      attempt(() => openDeviceList(input));
      attempt(() => importDeviceSecrets(input));
      attempt(() => importAccountSecret(input));
    }), { numRuns: 500 });
  });

  it('sealed envelopes', () => {
    const alice = makeAccount(1);
    const bob = makeAccount(1);
    const { bytes: sealed } = sealEnvelope({ accountId: alice.account.accountId, device: alice.devices[0]! }, chatMessage(recipientsOf(bob)));
    const lookup = lookupIn(alice, bob);
    fc.assert(fc.property(fc.oneof(anyBytes, mutated(fc.constant(sealed))), (input) => {
      const opened = attempt(() => openEnvelope(input, bob.devices[0]!, lookup));
      if (opened) expect(toHex(input)).toBe(toHex(sealed));
    }), { numRuns: 1000 });
  });
});
