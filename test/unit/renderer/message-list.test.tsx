// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
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
