// @vitest-environment jsdom
// Attachment progress in the conversation view: the upload bar of a file this device sends,
// and the "Receiving a file from …" indicator of a message whose files are on their way.
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventPayload, Message } from '../../../src/common/api/contract.js';
import { ConversationView } from '../../../src/renderer/chats/ConversationView.js';
import { createFakeBackend, type FakeBackend } from './fake-backend.js';
import { renderWithApi } from './render.js';

afterEach(cleanup);

function openBob() {
  const backend = createFakeBackend();
  const conversation = backend.state.conversations.find((c) => c.id === 'conv-bob')!;
  renderWithApi(<ConversationView conversation={conversation} meId="acct-alice" jumpTo={null} />, backend);
  return backend;
}

function progress(backend: FakeBackend, report: EventPayload<'progress'>): void {
  act(() => {
    backend.events.emit('progress', report);
  });
}

const incoming = (done: number, total: number, id = 'conv-bob:acct-bob:msg-big'): EventPayload<'progress'> => ({ operation: 'attachment-download', id, done, total });

describe('receiving a file', () => {
  it('shows who is sending and how far it got, until the message arrives', async () => {
    const backend = openBob();
    const log = await screen.findByRole('log');
    await within(log).findAllByRole('article');
    expect(screen.queryByText(/Receiving a file/)).toBeNull();

    progress(backend, incoming(300, 1000));
    const status = screen.getByRole('status');
    expect(status.textContent).toContain('Receiving a file from Bob Okafor… 30%');
    const bar = within(status).getByRole('progressbar', { name: 'Receiving a file from Bob Okafor…' });
    expect(bar.getAttribute('aria-valuenow')).toBe('30');
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('100');

    progress(backend, incoming(1000, 1000));
    // Every byte is here, but the message is stored only after its files are verified.
    expect(screen.getByRole('progressbar', { name: 'Receiving a file from Bob Okafor…' }).getAttribute('aria-valuenow')).toBe('100');

    const stored = backend.state.messages.get('conv-bob')!;
    const arrived: Message = {
      ...stored.find((m) => m.id === 'm3')!,
      id: 'msg-big',
      text: 'the whole survey',
      sentAt: stored.at(-1)!.sentAt + 1,
      attachments: [{ id: 'att-survey', name: 'survey.bin', mime: 'application/octet-stream', size: 900, state: 'ready', transferred: 900 }],
    };
    stored.push(arrived);
    act(() => {
      backend.events.emit('messageAdded', arrived);
    });
    await waitFor(() => expect(within(log).getByText('the whole survey')).toBeTruthy());
    expect(screen.queryByText(/Receiving a file/)).toBeNull();
    expect(screen.queryByRole('progressbar', { name: /Receiving/ })).toBeNull();
  });

  it('ignores other conversations, and drops the indicator of a download that stopped unfinished', async () => {
    const backend = openBob();
    await screen.findByRole('log');
    progress(backend, incoming(500, 1000, 'conv-atlas:acct-dave:msg-other'));
    expect(screen.queryByText(/Receiving a file/)).toBeNull();

    progress(backend, incoming(500, 1000));
    expect(screen.getByRole('status').textContent).toContain('50%');
    // total 0: stopped unfinished (the message stays on its relay and is tried again).
    progress(backend, incoming(0, 0));
    expect(screen.queryByText(/Receiving a file/)).toBeNull();
  });
});

describe('sending a file', () => {
  it('shows an upload bar on a ready attachment while its upload is reported, gone with the last report', async () => {
    const backend = openBob();
    const log = await screen.findByRole('log');
    await within(log).findAllByRole('article');
    expect(within(log).queryByRole('progressbar', { name: 'Uploading meeting-notes.txt' })).toBeNull();

    progress(backend, { operation: 'attachment-upload', id: 'att-notes', done: 20, total: 80 });
    const bar = within(log).getByRole('progressbar', { name: 'Uploading meeting-notes.txt' });
    expect(bar.getAttribute('value')).toBe('25');

    progress(backend, { operation: 'attachment-upload', id: 'att-notes', done: 80, total: 80 });
    expect(within(log).queryByRole('progressbar', { name: 'Uploading meeting-notes.txt' })).toBeNull();
  });
});
