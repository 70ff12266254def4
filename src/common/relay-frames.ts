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

/** The order the frames require: each id above the one before, so sorted and unique. */
function strictlyAscending(ids: readonly Uint8Array[]): boolean {
  return ids.every((id, index) => index === 0 || compareBytes(ids[index - 1]!, id) < 0);
}

/** Ids sorted into the order the frame requires; a duplicate is the caller's mistake. */
export function sortedIds(ids: readonly Uint8Array[], what: string): Uint8Array[] {
  const sorted = [...ids].sort(compareBytes);
  if (!strictlyAscending(sorted)) throw new AegeesError('INVALID_ARGUMENT', `duplicate ${what}`);
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
  let at = writeIds(frame, view, 5 + MSG_ID_BYTES, mailboxIds, 'mailbox id');
  at = writeIds(frame, view, at, blobIds, 'blob id');
  frame.set(envelope, at);
  return frame;
}

/** `u16 count ‖ ids` at `at`; returns the offset after them. */
function writeIds(frame: Uint8Array, view: DataView, at: number, ids: readonly Uint8Array[], what: string): number {
  for (const id of ids) checkLength(id, ID_BYTES, what);
  if (!strictlyAscending(ids)) throw new AegeesError('INVALID_ARGUMENT', `${what}s must be sorted and unique`);
  view.setUint16(at, ids.length);
  ids.forEach((id, index) => frame.set(id, at + 2 + index * ID_BYTES));
  return at + 2 + ids.length * ID_BYTES;
}

/** `count` ids in strictly ascending order (so sorted and unique), as copies. */
function readSortedIds(read: ByteReader, count: number, field: string): Uint8Array[] {
  const ids = Array.from({ length: count }, () => read.fixed(ID_BYTES, field));
  if (!strictlyAscending(ids)) read.fail(`${field}s are not in ascending order without duplicates`);
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
