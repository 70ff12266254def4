import { useCallback, useEffect, useRef, useState } from 'react';
import type { Message, MethodInput } from '../../common/api/contract.js';
import { useApi, useApiEvent } from '../api/ApiContext.js';
import { EMPTY_WINDOW, windowOf, withLive, withNewer, withOlder, type HistoryWindow } from './history-window.js';

const PAGE_SIZE = 200;
/**
 * Messages held at most: ten pages, a couple of thousand rows with the day separators.
 * Far more than a screen, so the end that is dropped is never the one being read, and few
 * enough that laying out and re-measuring the rows costs the same at any depth of history
 * (docs/BENCHMARKS.md, Desktop UI).
 */
const HELD_MESSAGES = 2_000;

/** Where the list should scroll: to a message, or (null) to the newest one. A new object per request. */
export interface Placement {
  readonly messageId: string | null;
}

export interface MessagesState {
  /** Oldest first: the held stretch of the conversation. */
  messages: readonly Message[];
  hasOlder: boolean;
  /** Newer messages exist than those held (the reader is back in history). */
  hasNewer: boolean;
  loading: boolean;
  error: unknown;
  placement: Placement | null;
  loadOlder: () => Promise<void>;
  loadNewer: () => Promise<void>;
  /** Shows the newest messages, fetching them again if they were dropped. */
  jumpToNewest: () => Promise<void>;
  /** Shows the message, fetching the pages around it if it is not held; true when found. */
  reveal: (messageId: string) => Promise<boolean>;
  /** A message this device just sent, shown without waiting for its event, with the list at the newest end. */
  showSent: (message: Message) => void;
}

interface View {
  window: HistoryWindow;
  placement: Placement | null;
}

/** What a page request does to the window once it answers. */
interface Update {
  apply: (held: HistoryWindow) => HistoryWindow;
  placement?: Placement;
}

type Cursor = Pick<MethodInput<'listMessages'>, 'before' | 'after'>;

/**
 * One conversation's messages: a bounded window of consecutive messages (history-window.ts)
 * that starts at the newest page and moves a page at a time in either direction.
 */
export function useMessages(conversationId: string): MessagesState {
  const api = useApi();
  const [view, setView] = useState<View>({ window: EMPTY_WINDOW, placement: null });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Page requests outlive a render: they read and write the latest window here. A jump
  // bumps the generation, so an answer for the window it replaced is dropped.
  const latest = useRef({ view, loading: false, generation: 0 });

  const show = useCallback((held: HistoryWindow, placement?: Placement) => {
    const next = { window: held, placement: placement ?? latest.current.view.placement };
    latest.current.view = next;
    setView(next);
  }, []);

  const page = useCallback((cursor: Cursor) => api.call('listMessages', { conversationId, limit: PAGE_SIZE, ...cursor }), [api, conversationId]);

  /** One page request at a time, except that a jump goes ahead of whatever is in flight. */
  const load = useCallback(
    async (request: () => Promise<Update>, jump: boolean): Promise<void> => {
      const state = latest.current;
      if (state.loading && !jump) return;
      const generation = jump ? ++state.generation : state.generation;
      state.loading = true;
      setLoading(true);
      try {
        const update = await request();
        if (generation !== state.generation) return;
        show(update.apply(state.view.window), update.placement);
        setError(null);
      } catch (failure) {
        if (generation === state.generation) setError(failure);
      } finally {
        if (generation === state.generation) {
          state.loading = false;
          setLoading(false);
        }
      }
    },
    [show],
  );

  const newest = useCallback(
    () =>
      load(async () => {
        const answer = await page({});
        const newestPaged = answer.messages.at(-1);
        // A message can arrive after the engine read this page but reach us before its
        // answer; its event went to the window this page replaces, so carry it over.
        const arrivedMeanwhile = (held: HistoryWindow) =>
          held.messages.filter((message) => message.conversationId === conversationId && (!newestPaged || message.sentAt >= newestPaged.sentAt));
        return {
          apply: (held) => arrivedMeanwhile(held).reduce(withLive, windowOf(answer.messages, answer.hasMore, false)),
          placement: { messageId: null },
        };
      }, true),
    [conversationId, load, page],
  );

  useEffect(() => {
    void newest();
  }, [newest]);

  const loadOlder = useCallback(async () => {
    const { messages, hasOlder } = latest.current.view.window;
    const oldest = messages[0];
    if (!hasOlder || !oldest) return;
    await load(async () => {
      const answer = await page({ before: oldest.id });
      return { apply: (held) => withOlder(held, answer.messages, answer.hasMore, HELD_MESSAGES) };
    }, false);
  }, [load, page]);

  const loadNewer = useCallback(async () => {
    const { messages, hasNewer } = latest.current.view.window;
    const newestHeld = messages.at(-1);
    if (!hasNewer || !newestHeld) return;
    await load(async () => {
      const answer = await page({ after: newestHeld.id });
      return { apply: (held) => withNewer(held, answer.messages, answer.hasMore, HELD_MESSAGES) };
    }, false);
  }, [load, page]);

  const jumpToNewest = useCallback(async () => {
    const held = latest.current.view.window;
    if (held.hasNewer) await newest();
    else show(held, { messageId: null });
  }, [newest, show]);

  const reveal = useCallback(
    async (messageId: string) => {
      if (!holds(latest.current.view.window, messageId)) {
        // A page after the message, then the page that ends with it; if nothing is newer,
        // the newest page holds it.
        await load(async () => {
          const after = await page({ after: messageId });
          const first = after.messages[0];
          const before = await page(first ? { before: first.id } : {});
          return { apply: () => windowOf([...before.messages, ...after.messages], before.hasMore, after.hasMore) };
        }, true);
      }
      if (!holds(latest.current.view.window, messageId)) return false;
      show(latest.current.view.window, { messageId });
      return true;
    },
    [load, page, show],
  );

  const showSent = useCallback(
    (message: Message) => {
      const held = latest.current.view.window;
      if (held.hasNewer) void newest();
      else show(withLive(held, message), { messageId: null });
    },
    [newest, show],
  );

  const live = (message: Message) => {
    if (message.conversationId !== conversationId) return;
    const held = latest.current.view.window;
    const next = withLive(held, message);
    if (next !== held) show(next);
  };
  useApiEvent('messageAdded', live);
  useApiEvent('messageUpdated', live);

  const { window: held, placement } = view;
  return { messages: held.messages, hasOlder: held.hasOlder, hasNewer: held.hasNewer, loading, error, placement, loadOlder, loadNewer, jumpToNewest, reveal, showSent };
}

function holds(held: HistoryWindow, messageId: string): boolean {
  return held.messages.some((message) => message.id === messageId);
}
