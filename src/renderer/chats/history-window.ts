import type { Message } from '../../common/api/contract.js';

/**
 * The slice of a conversation the UI holds: consecutive messages, oldest first, and whether
 * the history goes on beyond either end. Held messages are bounded (`limit`), so the rows
 * the virtualizer lays out, and the work each page load does, stay the same however far the
 * reader scrolls; messages dropped at one end are fetched again by cursor when the reader
 * comes back.
 */
export interface HistoryWindow {
  readonly messages: readonly Message[];
  readonly hasOlder: boolean;
  readonly hasNewer: boolean;
}

/** Nothing loaded yet: the newest page comes first. */
export const EMPTY_WINDOW: HistoryWindow = { messages: [], hasOlder: true, hasNewer: false };

/** A window of one freshly fetched stretch, e.g. the newest page or the pages around a search hit. */
export function windowOf(messages: readonly Message[], hasOlder: boolean, hasNewer: boolean): HistoryWindow {
  return { messages: unseen(messages, []), hasOlder, hasNewer };
}

/**
 * Puts an older page in front; if that makes the window exceed `limit`, drops the newest
 * messages (the end the reader is moving away from).
 */
export function withOlder(held: HistoryWindow, page: readonly Message[], hasMore: boolean, limit: number): HistoryWindow {
  const messages = [...unseen(page, held.messages), ...held.messages];
  const drop = Math.max(0, messages.length - limit);
  return { messages: messages.slice(0, messages.length - drop), hasOlder: hasMore, hasNewer: held.hasNewer || drop > 0 };
}

/** Puts a newer page behind; if that makes the window exceed `limit`, drops the oldest messages. */
export function withNewer(held: HistoryWindow, page: readonly Message[], hasMore: boolean, limit: number): HistoryWindow {
  const messages = [...held.messages, ...unseen(page, held.messages)];
  const drop = Math.max(0, messages.length - limit);
  return { messages: messages.slice(drop), hasOlder: held.hasOlder || drop > 0, hasNewer: hasMore };
}

/**
 * A message that arrived or changed while the conversation is open. A held message is
 * replaced in place. A new one goes in by send time when it falls inside the held stretch
 * or after its newest end while that end is the newest of the conversation; one beyond a
 * dropped end is left for the page that brings that stretch back. Nothing is dropped here:
 * only a page load knows which end the reader is moving away from, so trimming waits for
 * the next one.
 */
export function withLive(held: HistoryWindow, message: Message): HistoryWindow {
  const { messages } = held;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.id === message.id) {
      const next = messages.slice();
      next[i] = message;
      return { ...held, messages: next };
    }
  }
  const oldest = messages[0];
  const newest = messages.at(-1);
  if (held.hasOlder && oldest !== undefined && message.sentAt < oldest.sentAt) return held;
  if (held.hasNewer && (newest === undefined || message.sentAt >= newest.sentAt)) return held;
  let at = messages.length;
  while (at > 0 && messages[at - 1]!.sentAt > message.sentAt) at--;
  return { ...held, messages: [...messages.slice(0, at), message, ...messages.slice(at)] };
}

/**
 * The page's messages not already held (nor repeated in the page): a page can overlap what
 * a live event put in place, and the held copy is the one events keep current.
 */
function unseen(page: readonly Message[], held: readonly Message[]): Message[] {
  const seen = new Set(held.map((message) => message.id));
  const fresh: Message[] = [];
  for (const message of page) {
    if (seen.has(message.id)) continue;
    seen.add(message.id);
    fresh.push(message);
  }
  return fresh;
}
