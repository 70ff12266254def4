// The relay's binary frames (docs/PROTOCOL.md §7.3.2, §8.2): their exact layout, and every
// way a deposit frame can be malformed, each refused with a typed error that says why.
import { describe, expect, it } from 'vitest';
import { compareBytes } from '../../../src/common/protocol/codec.js';
import {
  decodeDepositFrame,
  decodeEnvelopeFrame,
  encodeDepositFrame,
  encodeEnvelopeFrame,
  sortedIds,
} from '../../../src/common/relay-frames.js';

const filled = (length: number, value: number) => new Uint8Array(length).fill(value);
const ids = (count: number) => Array.from({ length: count }, (_, index) => {
  const id = filled(32, 0);
  new DataView(id.buffer).setUint16(0, index);
  return id;
});
const deposit = { id: 7, msgId: filled(16, 5), mailboxIds: [filled(32, 1), filled(32, 2)], blobIds: [filled(32, 3)], envelope: filled(3, 9) };
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A deposit frame with `count` mailbox ids and no blobs, built by hand. */
function handMade(count: number, envelopeBytes = 1): Uint8Array {
  const frame = new Uint8Array(1 + 4 + 16 + 2 + count * 32 + 2 + envelopeBytes);
  frame[0] = 1;
  new DataView(frame.buffer).setUint16(21, count);
  ids(count).forEach((id, index) => frame.set(id, 23 + index * 32));
  return frame;
}

describe('relay deposit frame', () => {
  it('lays out type, id, msgId, counted sorted ids and the envelope as the rest', () => {
    expect(hex(encodeDepositFrame(deposit))).toBe(
      `01${'00000007'}${'05'.repeat(16)}0002${'01'.repeat(32)}${'02'.repeat(32)}0001${'03'.repeat(32)}090909`,
    );
  });

  it.each([
    ['an empty frame', new Uint8Array(0), 'truncated in frame type'],
    ['another frame type', Uint8Array.of(2, ...encodeDepositFrame(deposit).subarray(1)), 'not a deposit frame'],
    ['a cut header', encodeDepositFrame(deposit).subarray(0, 10), 'truncated in msgId'],
    ['no mailboxes', handMade(0), 'mailbox count is 0; at least 1 required'],
    ['fewer ids than counted', handMade(3).subarray(0, 23 + 2 * 32), 'truncated in mailbox id'],
    ['no envelope', handMade(1, 0).subarray(0, 23 + 32 + 2), 'no envelope'],
  ])('refuses %s as MALFORMED', (_name, frame, reason) => {
    expect(() => decodeDepositFrame(frame)).toThrow(expect.objectContaining({ code: 'MALFORMED', message: `deposit frame: ${reason}` }));
  });

  it('refuses ids out of order or repeated, so every deposit has one encoding', () => {
    const frame = encodeDepositFrame(deposit);
    const swapped = Uint8Array.from(frame);
    swapped.set(deposit.mailboxIds[1]!, 23);
    swapped.set(deposit.mailboxIds[0]!, 55);
    expect(() => decodeDepositFrame(swapped)).toThrow(/mailbox ids are not in ascending order without duplicates/);
    const repeated = Uint8Array.from(frame);
    repeated.set(deposit.mailboxIds[0]!, 55);
    expect(() => decodeDepositFrame(repeated)).toThrow(/mailbox ids are not in ascending order without duplicates/);
  });

  it('refuses more mailboxes than the protocol allows as TOO_LARGE, before reading them', () => {
    expect(decodeDepositFrame(handMade(1000)).mailboxIds).toHaveLength(1000);
    expect(() => decodeDepositFrame(handMade(1001))).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
  });

  it('will not encode ids that are unsorted, repeated or of the wrong length', () => {
    const [a, b] = deposit.mailboxIds;
    expect(() => encodeDepositFrame({ ...deposit, mailboxIds: [b!, a!] })).toThrow(/sorted and unique/);
    expect(() => encodeDepositFrame({ ...deposit, mailboxIds: [a!, a!] })).toThrow(/sorted and unique/);
    expect(() => encodeDepositFrame({ ...deposit, blobIds: [filled(31, 1)] })).toThrow(/blob id must be 32 bytes/);
    expect(() => encodeDepositFrame({ ...deposit, id: 2 ** 32 })).toThrow(/does not fit in u32/);
  });

  it('sortedIds orders ids for the frame and refuses duplicates', () => {
    const unsorted = [filled(32, 9), filled(32, 1), filled(32, 5)];
    expect(sortedIds(unsorted, 'mailbox id').map(hex)).toEqual([...unsorted].sort(compareBytes).map(hex));
    expect(() => sortedIds([filled(32, 1), filled(32, 1)], 'mailbox id')).toThrow(/duplicate mailbox id/);
  });
});

describe('relay envelope frame', () => {
  it('lays out type, msgId, u64 expiry and the envelope as the rest', () => {
    const frame = encodeEnvelopeFrame({ msgId: filled(16, 4), expiresAt: 1_800_000_000_000, envelope: filled(2, 8) });
    expect(hex(frame)).toBe(`02${'04'.repeat(16)}000001a3185c5000${'08'.repeat(2)}`);
    expect(decodeEnvelopeFrame(frame)).toEqual({ msgId: filled(16, 4), expiresAt: 1_800_000_000_000, envelope: filled(2, 8) });
  });

  it('refuses a frame without an envelope or with an expiry past 2^53 − 1', () => {
    const frame = encodeEnvelopeFrame({ msgId: filled(16, 4), expiresAt: 1, envelope: filled(1, 8) });
    expect(() => decodeEnvelopeFrame(frame.subarray(0, frame.length - 1))).toThrow(/envelope frame: no envelope/);
    const huge = Uint8Array.from(frame);
    huge[17] = 0xff;
    expect(() => decodeEnvelopeFrame(huge)).toThrow(/expiresAt is larger than 2\^53 − 1/);
  });
});
