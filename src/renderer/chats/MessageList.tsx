import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { Conversation } from '../../common/api/contract.js';
import { MessageRow } from './MessageRow.js';
import { buildRows } from './rows.js';
import type { MessagesState } from './useMessages.js';

/** Rows from the top at which the next older page starts loading. */
const LOAD_AHEAD_ROWS = 20;

/**
 * The virtualized message list: only the rows near the viewport exist in the DOM, so a
 * conversation with 100,000 messages costs the same to scroll as one with a hundred. The
 * list is anchored to its end: new messages follow when the reader is at the bottom, and
 * older pages load above without moving what is on screen.
 */
export function MessageList({ conversation, state, highlightId }: { conversation: Conversation; state: MessagesState; highlightId: string | null }) {
  const { messages, hasMore, loading, loadOlder } = state;
  const rows = useMemo(() => buildRows(messages), [messages]);
  const scroller = useRef<HTMLDivElement>(null);
  // Stable between renders: the virtualizer recomputes every row's position whenever
  // getItemKey changes, which for a long history would be on every scrolled frame.
  const estimateSize = useCallback((index: number) => (rows[index]?.kind === 'day' ? 40 : 76), [rows]);
  const getItemKey = useCallback((index: number) => rows[index]?.key ?? index, [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize,
    getItemKey,
    overscan: 10,
    anchorTo: 'end',
    followOnAppend: true,
    // Without a layout (tests, a hidden window) the first rows still render.
    initialRect: { width: 800, height: 800 },
  });

  const scrolledInitially = useRef(false);
  useEffect(() => {
    if (scrolledInitially.current || rows.length === 0) return;
    scrolledInitially.current = true;
    virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
  }, [rows.length, virtualizer]);

  const highlightIndex = highlightId === null ? -1 : rows.findIndex((row) => row.key === highlightId);
  useEffect(() => {
    if (highlightIndex >= 0) virtualizer.scrollToIndex(highlightIndex, { align: 'center' });
  }, [highlightIndex, virtualizer]);

  const items = virtualizer.getVirtualItems();
  // Driven by what is on screen rather than by scroll events: a fast fling can reach the
  // top in one event, and a short first page may not scroll at all.
  const firstIndex = items[0]?.index ?? 0;
  const nearTop = rows.length > 0 && firstIndex < LOAD_AHEAD_ROWS;
  useEffect(() => {
    // Only a list that scrolls can be anchored while a page is prepended; without layout
    // (a hidden window) loading would never move the reader away from the top.
    const element = scroller.current;
    const scrollable = element !== null && element.scrollHeight > element.clientHeight;
    if (nearTop && scrollable && hasMore && !loading) void loadOlder();
  }, [nearTop, hasMore, loading, loadOlder]);

  return (
    <div ref={scroller} className="message-scroller" role="log" aria-label={`Messages with ${conversation.title}`} aria-busy={loading} tabIndex={0}>
      {!hasMore && messages.length > 0 && <p className="history-start muted small">Start of the conversation</p>}
      <div className="message-canvas" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          return (
            <div key={item.key} ref={virtualizer.measureElement} data-index={item.index} className="message-slot" style={{ transform: `translateY(${item.start}px)` }}>
              {row.kind === 'day' ? (
                <div className="day-separator" role="separator" aria-label={row.label}>
                  <span>{row.label}</span>
                </div>
              ) : (
                <MessageRow message={row.message} showSender={conversation.kind === 'group'} highlighted={row.key === highlightId} />
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
