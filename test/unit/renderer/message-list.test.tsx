// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ConversationView } from '../../../src/renderer/chats/ConversationView.js';
import { createFakeBackend } from './fake-backend.js';
import { renderWithApi } from './render.js';

afterEach(cleanup);

describe('message list', () => {
  it('keeps the DOM small for a conversation with 100,000 messages', async () => {
    const backend = createFakeBackend({ bulkMessages: 100_000 });
    const conversation = backend.state.conversations.find((c) => c.id === 'conv-bulk')!;
    renderWithApi(<ConversationView conversation={conversation} meId="acct-alice" jumpTo={null} />, backend);
    const log = await screen.findByRole('log');
    await within(log).findAllByRole('article');
    // Only rows near the viewport exist, however long the history. (jsdom measures every
    // row as 0 px high, so more rows fit "on screen" here than in a browser.)
    expect(within(log).getAllByRole('article').length).toBeLessThan(500);
    expect(backend.calls.filter((c) => c.method === 'listMessages')).toHaveLength(1);
  });
});

describe('message list, live messages', () => {
  it('shows a message that arrives while the newest page is on its way', async () => {
    const backend = createFakeBackend();
    const conversation = backend.state.conversations.find((c) => c.id === 'conv-bob')!;
    const stored = backend.state.messages.get('conv-bob')!;
    const latest = stored.at(-1)!;
    const late = { ...latest, id: 'msg-arrived-meanwhile', text: 'arrived while the page was on its way', sentAt: latest.sentAt + 1 };
    const listMessages = backend.handlers.listMessages;
    // The engine reads the page, then the message arrives and its event overtakes the answer.
    backend.handlers.listMessages = async (args) => {
      const answer = await listMessages(args);
      stored.push(late);
      backend.events.emit('messageAdded', late);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return answer;
    };
    renderWithApi(<ConversationView conversation={conversation} meId="acct-alice" jumpTo={null} />, backend);
    const log = await screen.findByRole('log');
    // Once the page is in: everything it brought, and the late message once.
    await waitFor(() => expect(within(log).getAllByRole('article')).toHaveLength(stored.length));
    expect(within(log).getByText(late.text)).toBeTruthy();
  });
});
