import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { Conversation } from '../../common/api/contract.js';
import { MessageRow } from './MessageRow.js';
import { buildRows } from './rows.js';
import type { MessagesState, Placement } from './useMessages.js';

/** Rows from either end of what is held at which the next page starts loading. */
const LOAD_AHEAD_ROWS = 20;

/**
 * The virtualized message list: only the rows near the viewport exist in the DOM, and only
 * a bounded window of the history is held (useMessages), so a conversation with 100,000
 * messages costs the same to scroll as one with a hundred. The list is anchored to its end:
 * new messages follow when the reader is at the newest one, and pages that load or drop at
 * either end leave what is on screen where it is.
 */
export function MessageList({ conversation, state, highlightId }: { conversation: Conversation; state: MessagesState; highlightId: string | null }) {
  const { messages, hasOlder, hasNewer, loading, placement, loadOlder, loadNewer, jumpToNewest } = state;
  const rows = useMemo(() => buildRows(messages), [messages]);
  const scroller = useRef<HTMLDivElement>(null);
  // Follow new messages only while the held window already ended at the newest one: the
  // page that brings the window back to the newest must not pull the reader past its rows.
  const heldNewest = useRef(!hasNewer);
  useEffect(() => {
    heldNewest.current = !hasNewer;
  }, [hasNewer]);
  // Stable between renders: the virtualizer recomputes every row's position whenever
  // getItemKey changes, which would otherwise be on every scrolled frame.
  const estimateSize = useCallback((index: number) => (rows[index]?.kind === 'day' ? 40 : 76), [rows]);
  const getItemKey = useCallback((index: number) => rows[index]?.key ?? index, [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize,
    getItemKey,
    overscan: 10,
    anchorTo: 'end',
    followOnAppend: heldNewest.current && !hasNewer,
    // Without a layout (tests, a hidden window) the first rows still render.
    initialRect: { width: 800, height: 800 },
  });

  const placed = useRef<Placement | null>(null);
  /** Set when this commit scrolled to a placement: the rows it rendered are from before that scroll. */
  const justPlaced = useRef(false);
  useEffect(() => {
    if (placement === null || placed.current === placement || rows.length === 0) return;
    placed.current = placement;
    const index = placement.messageId === null ? rows.length - 1 : rows.findIndex((row) => row.key === placement.messageId);
    if (index < 0) return;
    virtualizer.scrollToIndex(index, { align: placement.messageId === null ? 'end' : 'center' });
    justPlaced.current = true;
  }, [placement, rows, virtualizer]);

  const items = virtualizer.getVirtualItems();
  // Driven by what is on screen rather than by scroll events: a fast fling can reach an
  // end in one event, and a short first page may not scroll at all.
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items.at(-1)?.index ?? 0;
  const nearTop = rows.length > 0 && firstIndex < LOAD_AHEAD_ROWS;
  const nearBottom = rows.length > 0 && lastIndex >= rows.length - LOAD_AHEAD_ROWS;
  useEffect(() => {
    // Only a list that scrolls can be anchored while a page comes in; without layout (a
    // hidden window) loading would never move the reader away from the edge.
    const element = scroller.current;
    const scrollable = element !== null && element.scrollHeight > element.clientHeight;
    if (!scrollable || loading) return;
    const load = (top: boolean, bottom: boolean) => {
      if (top && hasOlder) void loadOlder();
      else if (bottom && hasNewer) void loadNewer();
    };
    if (!justPlaced.current) {
      load(nearTop, nearBottom);
      return;
    }
    // Right after a scroll to a placement, this render's rows still show where the list
    // was before it (the top, on opening): a page loaded on that view could arrive before
    // the scroll is laid out and keep the reader at its edge. Decide on the next frame.
    justPlaced.current = false;
    const frame = requestAnimationFrame(() => {
      const visible = virtualizer.getVirtualItems();
      load((visible[0]?.index ?? 0) < LOAD_AHEAD_ROWS, (visible.at(-1)?.index ?? 0) >= rows.length - LOAD_AHEAD_ROWS);
    });
    return () => cancelAnimationFrame(frame);
  }, [nearTop, nearBottom, hasOlder, hasNewer, loading, loadOlder, loadNewer, virtualizer, rows.length]);

  // The newest row is not even among the overscan rows below the viewport.
  const awayFromNewest = hasNewer || (rows.length > 0 && lastIndex < rows.length - 1);

  return (
    <div className="message-list">
      <div ref={scroller} className="message-scroller" role="log" aria-label={`Messages with ${conversation.title}`} aria-busy={loading} tabIndex={0}>
        {!hasOlder && messages.length > 0 && <p className="history-start muted small">Start of the conversation</p>}
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
      {awayFromNewest && (
        <button type="button" className="jump-newest primary" onClick={() => void jumpToNewest()}>
          Jump to newest
        </button>
      )}
    </div>
  );
}
