import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeChatBody,
  decodeContactCard,
  decodeDeviceLinkBody,
  decodeGroupUpdateBody,
  decodeReceiptBody,
  encodeChatBody,
  encodeContactCard,
  encodeDeviceLinkBody,
  encodeGroupUpdateBody,
  encodeReceiptBody,
} from '../../../src/common/protocol/bodies.js';
import { AegeesError } from '../../../src/common/errors.js';

const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const card = fc.record({ displayName: fc.string({ maxLength: 60 }), deviceList: fc.uint8Array({ maxLength: 300 }), signature: bytes(64) });
const group = fc.record({
  version: fc.nat({ max: 2 ** 32 - 1 }),
  title: fc.string({ maxLength: 60 }),
  members: fc.array(fc.record({ accountId: bytes(32), card: fc.uint8Array({ maxLength: 200 }) }), { minLength: 1, maxLength: 5 }),
});

const codecs = [
  ['chat', fc.record({ text: fc.string({ maxLength: 2000 }) }), encodeChatBody, decodeChatBody],
  ['receipt', fc.record({ kind: fc.constantFrom('delivered' as const, 'read' as const), msgIds: fc.array(bytes(16), { minLength: 1, maxLength: 20 }) }), encodeReceiptBody, decodeReceiptBody],
  ['contact card', card, encodeContactCard, decodeContactCard],
  ['group update', group, encodeGroupUpdateBody, decodeGroupUpdateBody],
  [
    'device link',
    fc.oneof(
      fc.record({ step: fc.constant('offer' as const), proof: bytes(32), card: fc.uint8Array({ maxLength: 300 }) }),
      fc.record({
        step: fc.constant('request' as const),
        proof: bytes(32),
        certificateRequest: fc.uint8Array({ maxLength: 300 }),
        mailboxIds: fc.array(bytes(32), { minLength: 1, maxLength: 8 }),
      }),
      fc.record({
        step: fc.constant('complete' as const),
        card: fc.uint8Array({ maxLength: 300 }),
        contacts: fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 5 }),
        groups: fc.array(fc.record({ groupId: bytes(32), state: fc.uint8Array({ maxLength: 100 }) }), { maxLength: 3 }),
      }),
    ),
    encodeDeviceLinkBody,
    decodeDeviceLinkBody,
  ],
] as const;

describe.each(codecs)('%s body', (_name, arbitrary, encode, decode) => {
  it('round-trips', () => {
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<never>, (value) => {
        const encoded = (encode as (v: unknown) => Uint8Array)(value);
        const decoded = (decode as (b: Uint8Array) => unknown)(encoded);
        expect((encode as (v: unknown) => Uint8Array)(decoded)).toEqual(encoded);
      }),
      { numRuns: 200 },
    );
  });

  it('decodes any byte string or rejects it with a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (input) => {
        try {
          (decode as (b: Uint8Array) => unknown)(input);
        } catch (error) {
          expect(error).toBeInstanceOf(AegeesError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects trailing bytes and an unknown format', () => {
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<never>, (value) => {
        const encoded = (encode as (v: unknown) => Uint8Array)(value);
        expect(() => (decode as (b: Uint8Array) => unknown)(Uint8Array.of(...encoded, 0))).toThrow(AegeesError);
        const otherFormat = Uint8Array.from(encoded);
        otherFormat[0] = 2;
        expect(() => (decode as (b: Uint8Array) => unknown)(otherFormat)).toThrow(/format 2 is not supported/);
      }),
      { numRuns: 50 },
    );
  });
});
