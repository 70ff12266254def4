import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/common/api/contract.js';
import { EMPTY_WINDOW, windowOf, withLive, withNewer, withOlder, type HistoryWindow } from '../../../src/renderer/chats/history-window.js';

const message = (n: number, text = `m${n}`) => ({ id: `m${n}`, sentAt: n * 10, text }) as Message;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => message(from + i));
const ids = (held: HistoryWindow) => held.messages.map((m) => m.id);

describe('history window', () => {
  it('drops the newest messages beyond the limit when an older page comes in', () => {
    const held = windowOf(range(100, 130), true, false);
    const next = withOlder(held, range(90, 100), true, 35);
    expect(ids(next)).toEqual(ids(windowOf(range(90, 125), true, true)));
    expect(next).toMatchObject({ hasOlder: true, hasNewer: true });
    expect(withOlder(next, range(80, 90), false, 100)).toMatchObject({ hasOlder: false, hasNewer: true });
  });

  it('drops the oldest messages beyond the limit when a newer page comes in', () => {
    const held = windowOf(range(100, 130), false, true);
    const next = withNewer(held, range(130, 140), false, 35);
    expect(ids(next)).toEqual(range(105, 140).map((m) => m.id));
    expect(next).toMatchObject({ hasOlder: true, hasNewer: false });
  });

  it('walks far back and forward again without losing or repeating a message', () => {
    const all = range(0, 1000);
    const page = 50;
    const limit = 200;
    const expectConsecutive = (held: HistoryWindow) => {
      const start = all.indexOf(held.messages[0]!);
      expect(ids(held)).toEqual(all.slice(start, start + held.messages.length).map((m) => m.id));
    };
    let held = windowOf(all.slice(-page), true, false);
    while (held.hasOlder) {
      const oldest = all.indexOf(held.messages[0]!);
      held = withOlder(held, all.slice(Math.max(0, oldest - page), oldest), oldest - page > 0, limit);
      expect(held.messages.length).toBeLessThanOrEqual(limit);
      expectConsecutive(held);
    }
    expect(ids(held)).toEqual(all.slice(0, limit).map((m) => m.id));
    while (held.hasNewer) {
      const newest = all.indexOf(held.messages.at(-1)!);
      held = withNewer(held, all.slice(newest + 1, newest + 1 + page), newest + 1 + page < all.length, limit);
      expectConsecutive(held);
    }
    expect(ids(held)).toEqual(all.slice(-limit).map((m) => m.id));
    expect(held.hasOlder).toBe(true);
  });

  it('keeps the held copy when a page overlaps it', () => {
    const held = windowOf([message(1), message(2, 'updated')], true, false);
    const next = withOlder(held, [message(0), message(1), message(2)], false, 10);
    expect(next.messages.map((m) => m.text)).toEqual(['m0', 'm1', 'updated']);
  });

  it('puts live messages in send order, replaces known ones and leaves ones beyond a dropped end to their page', () => {
    const held = windowOf([message(1), message(3)], false, false);
    expect(ids(withLive(held, message(2)))).toEqual(['m1', 'm2', 'm3']);
    expect(ids(withLive(held, message(4)))).toEqual(['m1', 'm3', 'm4']);
    expect(withLive(held, message(3, 'edited')).messages[1]).toMatchObject({ text: 'edited' });
    const back = windowOf([message(5), message(6)], true, true);
    expect(withLive(back, message(9))).toBe(back);
    expect(withLive(back, message(1))).toBe(back);
    expect(withLive(back, message(6, 'read')).messages[1]).toMatchObject({ text: 'read' });
    expect(ids(withLive(EMPTY_WINDOW, message(1)))).toEqual(['m1']);
  });
});
