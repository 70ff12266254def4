// The relay's two binary WebSocket frames (docs/PROTOCOL.md §7.3.2, §8.2): a deposit on
// /v1/deposits and an envelope pushed on /v1/mailbox. They carry the envelope bytes as they
// are (JSON would need base64, a third more bytes to send and to scan), behind a fixed
// header in the canonical encoding of §1.2; every other frame is JSON text.
import { AegeesError } from './errors.js';
import { ByteReader, compareBytes } from './protocol/codec.js';
import { PROTOCOL_MAX } from './relay-protocol.js';

/** First byte of each binary frame. */
export const BINARY_FRAME = { deposit: 1, envelope: 2 } as const;

const MSG_ID_BYTES = 16;
const ID_BYTES = 32;

export interface BinaryDeposit {
  /** The client's, to match the answer; 0 … 2^32 − 1. */
  readonly id: number;
  readonly msgId: Uint8Array;
  /** Ascending byte order, no duplicates. */
  readonly mailboxIds: readonly Uint8Array[];
  /** Ascending byte order, no duplicates. */
  readonly blobIds: readonly Uint8Array[];
  readonly envelope: Uint8Array;
}

export interface BinaryEnvelope {
  readonly msgId: Uint8Array;
  readonly expiresAt: number;
  readonly envelope: Uint8Array;
}

/** Ids sorted into the order the frame requires; a duplicate is the caller's mistake. */
export function sortedIds(ids: readonly Uint8Array[], what: string): Uint8Array[] {
  if (ids.length < 2) return [...ids];
  const sorted = [...ids].sort(compareBytes);
  for (let i = 1; i < sorted.length; i += 1) {
    if (compareBytes(sorted[i - 1]!, sorted[i]!) === 0) throw new AegeesError('INVALID_ARGUMENT', `duplicate ${what}`);
  }
  return sorted;
}

function checkLength(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length !== length) throw new AegeesError('INVALID_ARGUMENT', `${what} must be ${length} bytes, got ${bytes.length}`);
}

/**
 * `u8 1 ‖ u32 id ‖ [16] msgId ‖ u16 n ‖ n × [32] mailbox id ‖ u16 m ‖ m × [32] blob id ‖ envelope`,
 * the envelope being the rest of the frame. Ids must already be in ascending order.
 */
export function encodeDepositFrame(deposit: BinaryDeposit): Uint8Array {
  const { mailboxIds, blobIds, envelope } = deposit;
  checkLength(deposit.msgId, MSG_ID_BYTES, 'message id');
  if (!Number.isInteger(deposit.id) || deposit.id < 0 || deposit.id > 0xffff_ffff) {
    throw new AegeesError('INVALID_ARGUMENT', `deposit id ${deposit.id} does not fit in u32`);
  }
  const frame = new Uint8Array(1 + 4 + MSG_ID_BYTES + 2 + mailboxIds.length * ID_BYTES + 2 + blobIds.length * ID_BYTES + envelope.length);
  const view = new DataView(frame.buffer);
  frame[0] = BINARY_FRAME.deposit;
  view.setUint32(1, deposit.id);
  frame.set(deposit.msgId, 5);
  let at = 5 + MSG_ID_BYTES;
  for (const [ids, what] of [[mailboxIds, 'mailbox id'], [blobIds, 'blob id']] as const) {
    view.setUint16(at, ids.length);
    at += 2;
    for (const [index, id] of ids.entries()) {
      checkLength(id, ID_BYTES, what);
      if (index > 0 && compareBytes(ids[index - 1]!, id) >= 0) throw new AegeesError('INVALID_ARGUMENT', `${what}s must be sorted and unique`);
      frame.set(id, at);
      at += ID_BYTES;
    }
  }
  frame.set(envelope, at);
  return frame;
}

/** `count` ids in strictly ascending order (so sorted and unique), as copies. */
function readSortedIds(read: ByteReader, count: number, field: string): Uint8Array[] {
  const ids: Uint8Array[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = read.fixed(ID_BYTES, field);
    if (i > 0 && compareBytes(ids[i - 1]!, id) >= 0) read.fail(`${field}s are not in ascending order without duplicates`);
    ids.push(id);
  }
  return ids;
}

/**
 * Decodes a deposit frame within the protocol's ceilings (the relay applies its own, lower
 * limits afterwards). Throws AegeesError MALFORMED or TOO_LARGE.
 */
export function decodeDepositFrame(bytes: Uint8Array): BinaryDeposit {
  const read = new ByteReader(bytes, 'deposit frame');
  if (read.u8('frame type') !== BINARY_FRAME.deposit) read.fail('not a deposit frame');
  const id = read.u32('id');
  const msgId = read.fixed(MSG_ID_BYTES, 'msgId');
  const mailboxIds = readSortedIds(read, read.count(2, 1, PROTOCOL_MAX.mailboxesPerEnvelope, 'mailbox count'), 'mailbox id');
  const blobIds = readSortedIds(read, read.count(2, 0, PROTOCOL_MAX.blobsPerEnvelope, 'blob count'), 'blob id');
  if (read.remaining === 0) read.fail('no envelope');
  const envelope = read.fixed(read.remaining, 'envelope');
  return { id, msgId, mailboxIds, blobIds, envelope };
}

/** `u8 2 ‖ [16] msgId ‖ u64 expiresAt ‖ envelope`, the envelope being the rest of the frame. */
export function encodeEnvelopeFrame(pushed: BinaryEnvelope): Uint8Array {
  checkLength(pushed.msgId, MSG_ID_BYTES, 'message id');
  if (!Number.isSafeInteger(pushed.expiresAt) || pushed.expiresAt < 0) {
    throw new AegeesError('INVALID_ARGUMENT', `expiresAt ${pushed.expiresAt} is not a u64`);
  }
  const frame = new Uint8Array(1 + MSG_ID_BYTES + 8 + pushed.envelope.length);
  const view = new DataView(frame.buffer);
  frame[0] = BINARY_FRAME.envelope;
  frame.set(pushed.msgId, 1);
  view.setUint32(1 + MSG_ID_BYTES, Math.floor(pushed.expiresAt / 0x1_0000_0000));
  view.setUint32(1 + MSG_ID_BYTES + 4, pushed.expiresAt % 0x1_0000_0000);
  frame.set(pushed.envelope, 1 + MSG_ID_BYTES + 8);
  return frame;
}

export function decodeEnvelopeFrame(bytes: Uint8Array): BinaryEnvelope {
  const read = new ByteReader(bytes, 'envelope frame');
  if (read.u8('frame type') !== BINARY_FRAME.envelope) read.fail('not an envelope frame');
  const msgId = read.fixed(MSG_ID_BYTES, 'msgId');
  const expiresAt = read.u64('expiresAt');
  if (read.remaining === 0) read.fail('no envelope');
  return { msgId, expiresAt, envelope: read.fixed(read.remaining, 'envelope') };
}
