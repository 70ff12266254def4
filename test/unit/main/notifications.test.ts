// Desktop notifications and the unread badge. With previews off a notification carries no
// text, no file name and no sender.
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/common/api/contract.js';
import { createMessageNotifier, notificationText, type NotificationText } from '../../../src/main/notifications.js';
import { UnreadTally, windowTitle } from '../../../src/main/unread-badge.js';

function message(fields: Partial<Message> = {}): Message {
  return {
    id: 'm1',
    conversationId: 'c1',
    senderAccountId: 'aa',
    senderName: 'Bob',
    fromMe: false,
    sentAt: 1,
    receivedAt: 2,
    text: 'Pineapple pizza tonight?',
    attachments: [],
    status: { state: 'received', storedOn: [], deliveredTo: [], readBy: [] },
    ...fields,
  };
}

const file = { id: '1', name: 'secret-plans.pdf', mime: 'application/pdf', size: 10, state: 'ready' as const, transferred: 10 };

describe('notificationText', () => {
  it('with previews: the sender and the text, or what was attached', () => {
    expect(notificationText(1, message(), true)).toEqual({ title: 'Bob', body: 'Pineapple pizza tonight?' });
    expect(notificationText(1, message({ text: '', attachments: [file] }), true)).toEqual({ title: 'Bob', body: 'File: secret-plans.pdf' });
    expect(notificationText(3, message(), true)).toEqual({ title: 'Aegees', body: '3 new messages. Latest from Bob: Pineapple pizza tonight?' });
    expect(notificationText(1, message({ text: 'x'.repeat(500) }), true).body).toHaveLength(140);
  });

  it('without previews: neither text nor file name nor sender', () => {
    for (const latest of [message(), message({ text: '', attachments: [file] })]) {
      for (const count of [1, 4]) {
        const text = notificationText(count, latest, false);
        const shown = `${text.title} ${text.body}`;
        expect(shown).not.toContain('Pineapple');
        expect(shown).not.toContain('secret-plans');
        expect(shown).not.toContain('Bob');
      }
    }
    expect(notificationText(1, message(), false)).toEqual({ title: 'Aegees', body: 'New message' });
    expect(notificationText(2, message(), false)).toEqual({ title: 'Aegees', body: '2 new messages' });
  });
});

describe('createMessageNotifier', () => {
  function notifier(options: { focused?: boolean; previews?: boolean } = {}) {
    const shown: NotificationText[] = [];
    const state = { focused: options.focused ?? false, previews: options.previews ?? true, settingsReads: 0 };
    const instance = createMessageNotifier({
      isWindowFocused: () => state.focused,
      settings: async () => (state.settingsReads++, { notificationPreviews: state.previews }),
      show: (text) => void shown.push(text),
    });
    return { instance, shown, state };
  }

  it('notifies about messages that arrive while the window is in the background', async () => {
    const { instance, shown } = notifier();
    await instance.messageAdded(message());
    expect(shown).toEqual([{ title: 'Bob', body: 'Pineapple pizza tonight?' }]);
  });

  it('stays quiet for messages I sent, and while the window is in front', async () => {
    const mine = notifier();
    await mine.instance.messageAdded(message({ fromMe: true }));
    const focused = notifier({ focused: true });
    await focused.instance.messageAdded(message());
    expect([...mine.shown, ...focused.shown]).toEqual([]);
  });

  it('reads the preview setting at each message, so a change applies to the next one', async () => {
    const { instance, shown, state } = notifier();
    await instance.messageAdded(message());
    state.previews = false;
    await instance.messageAdded(message({ id: 'm2' }));
    expect(shown.at(-1)).toEqual({ title: 'Aegees', body: '2 new messages' });
    expect(state.settingsReads).toBe(2);
  });

  it('counts unseen messages in one notification until the window is focused', async () => {
    const { instance, shown, state } = notifier();
    await Promise.all([instance.messageAdded(message({ id: 'm1' })), instance.messageAdded(message({ id: 'm2', text: 'Second' }))]);
    // Both settings reads finished after both messages were counted: one notification, for both.
    expect(shown).toEqual([{ title: 'Aegees', body: '2 new messages. Latest from Bob: Second' }]);
    state.focused = true;
    instance.windowFocused();
    state.focused = false;
    await instance.messageAdded(message({ id: 'm3', text: 'Third' }));
    expect(shown.at(-1)).toEqual({ title: 'Bob', body: 'Third' });
  });
});

describe('UnreadTally', () => {
  it('sums unread messages over conversations and follows updates', () => {
    const tally = new UnreadTally();
    tally.reset([
      { id: 'c1', unreadCount: 2 },
      { id: 'c2', unreadCount: 0 },
      { id: 'c3', unreadCount: 1 },
    ]);
    expect(tally.total).toBe(3);
    tally.update({ id: 'c1', unreadCount: 0 });
    tally.update({ id: 'c2', unreadCount: 4 });
    expect(tally.total).toBe(5);
    tally.reset([]);
    expect(tally.total).toBe(0);
  });

  it('puts the count in the window title', () => {
    expect(windowTitle(0)).toBe('Aegees');
    expect(windowTitle(5)).toBe('Aegees (5 unread)');
  });
});
