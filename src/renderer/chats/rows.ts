import type { Message } from '../../common/api/contract.js';
import { dayKey, dayLabel } from '../lib/time.js';

export type Row = { kind: 'day'; key: string; label: string } | { kind: 'message'; key: string; message: Message };

/** Interleaves a separator before the first message of each local day. */
export function buildRows(messages: readonly Message[], now = Date.now()): Row[] {
  const rows: Row[] = [];
  let currentDay = '';
  for (const message of messages) {
    const day = dayKey(message.sentAt);
    if (day !== currentDay) {
      currentDay = day;
      rows.push({ kind: 'day', key: `day:${day}`, label: dayLabel(message.sentAt, now) });
    }
    rows.push({ kind: 'message', key: message.id, message });
  }
  return rows;
}
