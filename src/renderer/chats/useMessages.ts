import { useCallback, useEffect, useRef, useState } from 'react';
import type { Message } from '../../common/api/contract.js';
import { useApi, useApiEvent } from '../api/ApiContext.js';

const PAGE_SIZE = 200;

export interface MessagesState {
  messages: Message[];
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  loadOlder: () => Promise<void>;
  /** Loads older pages until the message is there (or history ends); true when found. */
  reveal: (messageId: string) => Promise<boolean>;
  /** Puts a message the UI already has (our own send) in place without waiting for its event. */
  upsert: (message: Message) => void;
}

/** One conversation's messages, oldest first, loaded a page at a time from the newest end. */
export function useMessages(conversationId: string): MessagesState {
  const api = useApi();
  const [messages, setMessages] = useState<Message[]>([]);
  const [hasMore, setHasMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The latest list for the async page loop, which outlives a single render.
  const latest = useRef({ messages, hasMore, loading: false });
  latest.current = { ...latest.current, messages, hasMore };

  const loadOlder = useCallback(async () => {
    if (latest.current.loading || !latest.current.hasMore) return;
    latest.current.loading = true;
    setLoading(true);
    try {
      const before = latest.current.messages[0]?.id;
      const page = await api.call('listMessages', before ? { conversationId, before, limit: PAGE_SIZE } : { conversationId, limit: PAGE_SIZE });
      const known = new Set(latest.current.messages.map((m) => m.id));
      const older = page.messages.filter((m) => !known.has(m.id)).sort(bySentAt);
      const next = [...older, ...latest.current.messages];
      latest.current = { messages: next, hasMore: page.hasMore, loading: true };
      setMessages(next);
      setHasMore(page.hasMore);
      setError(null);
    } catch (failure) {
      setError(failure);
    } finally {
      latest.current.loading = false;
      setLoading(false);
    }
  }, [api, conversationId]);

  useEffect(() => {
    void loadOlder();
  }, [loadOlder]);

  const upsert = useCallback((message: Message) => setMessages((current) => upsertSorted(current, message)), []);
  useApiEvent('messageAdded', (message) => message.conversationId === conversationId && upsert(message));
  useApiEvent('messageUpdated', (message) => message.conversationId === conversationId && upsert(message));

  const reveal = useCallback(
    async (messageId: string) => {
      while (!latest.current.messages.some((m) => m.id === messageId)) {
        if (!latest.current.hasMore) return false;
        const before = latest.current.messages.length;
        await loadOlder();
        if (latest.current.messages.length === before && latest.current.hasMore) return false;
      }
      return true;
    },
    [loadOlder],
  );

  return { messages, hasMore, loading, error, loadOlder, reveal, upsert };
}

function bySentAt(a: Message, b: Message): number {
  return a.sentAt - b.sentAt;
}

/** Replaces a known message in place or inserts a new one by send time, searching from the newest end where changes happen. */
export function upsertSorted(list: Message[], message: Message): Message[] {
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i]!.id === message.id) {
      const next = list.slice();
      next[i] = message;
      return next;
    }
  }
  let at = list.length;
  while (at > 0 && list[at - 1]!.sentAt > message.sentAt) at--;
  return [...list.slice(0, at), message, ...list.slice(at)];
}
