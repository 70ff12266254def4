// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { computeAccessibleName } from 'dom-accessibility-api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeBackend } from './fake-backend.js';
import { renderApp } from './render.js';

beforeAll(() => {
  // jsdom has no object URLs; previews only need a string back.
  URL.createObjectURL = () => 'blob:preview';
  URL.revokeObjectURL = () => {};
});
afterEach(cleanup);

const SECTIONS = ['Chats', 'Contacts', 'Servers', 'Devices', 'Backup', 'Settings'];

/** Every control a person can reach has a name a screen reader can say. */
function expectAccessibleNames() {
  const controls = document.querySelectorAll('button, input:not([type=hidden]):not([hidden]), select, textarea, [role=button], [role=tab]');
  expect(controls.length).toBeGreaterThan(0);
  for (const control of controls) expect(computeAccessibleName(control), control.outerHTML.slice(0, 120)).not.toBe('');
}

describe('onboarding', () => {
  it('creates an account and arrives in the app', async () => {
    const backend = createFakeBackend({ profile: { kind: 'no-account' } });
    renderApp(backend);
    await userEvent.type(await screen.findByRole('textbox', { name: /Your name/ }), 'Alice Martin');
    expectAccessibleNames();
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('navigation', { name: 'Sections' })).toBeTruthy();
    expect(backend.calls.find((c) => c.method === 'createAccount')?.args).toEqual({ displayName: 'Alice Martin' });
  });

  it('explains a keychain problem in plain words with what to do', async () => {
    renderApp(createFakeBackend({ profile: { kind: 'keychain-unavailable', message: 'No Secret Service is running.', hint: 'Install gnome-keyring and log in again.' } }));
    expect(await screen.findByRole('heading', { name: 'Aegees cannot reach your system keychain' })).toBeTruthy();
    expect(screen.getByText('No Secret Service is running.')).toBeTruthy();
    expect(screen.getByText('Install gnome-keyring and log in again.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});

describe('chats', () => {
  it('lists conversations with unread count and last message, and opens one', async () => {
    const { backend } = renderApp();
    const item = await screen.findByRole('button', { name: /^Bob Okafor, 2 unread, You: On my way/ });
    await userEvent.click(item);
    const log = await screen.findByRole('log', { name: 'Messages with Bob Okafor' });
    await within(log).findByText('Hi Alice! Did the new relay come up?');
    // Day separators, delivery states, an attachment in flight with its progress.
    const days = within(log).getAllByRole('separator').map((s) => s.getAttribute('aria-label'));
    expect(days.length).toBeGreaterThanOrEqual(3);
    expect(new Set(days).size).toBe(days.length);
    expect(within(log).getByText('Queued')).toBeTruthy();
    expect(within(log).getByText('Read')).toBeTruthy();
    expect(within(log).getAllByText('Stored on 2 relays').length).toBeGreaterThan(0);
    expect(within(log).getByRole('progressbar', { name: 'Uploading relay-demo.mp4' })).toBeTruthy();
    // Opening the conversation marks it read.
    await waitFor(() => expect(backend.calls.some((c) => c.method === 'markRead')).toBe(true));
    expectAccessibleNames();
  });

  it('shows on which relays a sent message is stored', async () => {
    renderApp();
    await userEvent.click(await screen.findByRole('button', { name: /^Bob Okafor/ }));
    const log = await screen.findByRole('log');
    const mine = (await within(log).findAllByRole('article')).find((a) => a.textContent?.includes('Beautiful!'))!;
    await userEvent.click(within(mine).getByRole('button', { name: 'Message details' }));
    const dialog = screen.getByRole('dialog', { name: 'Message details' });
    expect(dialog.textContent).toContain('relay-eu.aegees.example');
    expect(dialog.textContent).toContain('relay-us.aegees.example');
  });

  it('sends a message typed in the composer', async () => {
    const { backend } = renderApp();
    await userEvent.click(await screen.findByRole('button', { name: /^Bob Okafor/ }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Message to Bob Okafor' }), 'Hello there{Enter}');
    await within(screen.getByRole('log')).findByText('Hello there');
    expect(backend.calls.find((c) => c.method === 'sendMessage')?.args).toMatchObject({ conversationId: 'conv-bob', text: 'Hello there' });
  });

  it('searches all history and jumps to the hit', async () => {
    renderApp();
    await userEvent.type(await screen.findByRole('searchbox', { name: 'Search all messages' }), 'harbour');
    const hit = await screen.findByRole('button', { name: /Bob Okafor.*harbour/ });
    await userEvent.click(hit);
    expect(await within(await screen.findByRole('log')).findByText('Photo from the harbour this morning')).toBeTruthy();
  });

  it('chooses a relay for a conversation or goes back to automatic', async () => {
    const { backend } = renderApp();
    await userEvent.click(await screen.findByRole('button', { name: /^Bob Okafor/ }));
    const select = await screen.findByRole('combobox', { name: 'Send through' });
    await within(select).findByRole('option', { name: /relay-us\.aegees\.example/ });
    await userEvent.selectOptions(select, 'https://relay-us.aegees.example');
    await waitFor(() => expect(select).toHaveProperty('value', 'https://relay-us.aegees.example'));
    await userEvent.selectOptions(select, '');
    await waitFor(() => expect(backend.state.conversations.find((c) => c.id === 'conv-bob')?.sendRelay).toBeNull());
  });
});

describe('other sections', () => {
  it('every section renders with a name on every control', async () => {
    renderApp();
    for (const section of SECTIONS) {
      await userEvent.click(await screen.findByRole('button', { name: section }));
      await screen.findByRole('heading', { level: 1 });
      expectAccessibleNames();
    }
  });

  it('shows the relay roster with status, latency and key verification, and removes a relay after confirmation', async () => {
    const { backend } = renderApp();
    await userEvent.click(await screen.findByRole('button', { name: 'Servers' }));
    const row = (await screen.findByRole('rowheader', { name: /relay-eu\.aegees\.example/ })).closest('tr')!;
    expect(row.textContent).toContain('Connected');
    expect(row.textContent).toContain('38 ms');
    expect(row.textContent).toContain('Verified');
    await userEvent.click(within(row).getByRole('button', { name: 'Remove relay-eu.aegees.example' }));
    await userEvent.click(screen.getByRole('button', { name: 'Remove relay' }));
    await waitFor(() => expect(screen.queryByRole('rowheader', { name: /relay-eu/ })).toBeNull());
    expect(backend.state.relays.map((r) => r.url)).not.toContain('https://relay-eu.aegees.example');
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Backup copies per message' }), '3');
    await waitFor(() => expect(backend.state.settings.redundancy).toBe(4));
  });

  it('shows my invite as text and QR, accepts a request, and shows a safety number', async () => {
    const { backend } = renderApp();
    await userEvent.click(await screen.findByRole('button', { name: 'Contacts' }));
    expect(await screen.findByRole('img', { name: 'Your invite code as a QR code' })).toBeTruthy();
    expect(screen.getByRole('status', { name: 'Invite code' }).textContent).toMatch(/^AEGEES1-/);
    await userEvent.click(screen.getByRole('button', { name: 'Accept Carol Nguyen' }));
    await waitFor(() => expect(backend.state.contacts.find((c) => c.accountId === 'acct-carol')?.state).toBe('accepted'));
    await userEvent.click(screen.getByRole('button', { name: 'Safety number for Bob Okafor' }));
    const dialog = await screen.findByRole('dialog', { name: 'Safety number with Bob Okafor' });
    expect(within(dialog).getByRole('group', { name: 'Safety number' }).textContent).toContain('05293');
  });

  it('switches to the dark theme', async () => {
    renderApp();
    await userEvent.click(await screen.findByRole('button', { name: 'Settings' }));
    await userEvent.click(await screen.findByRole('radio', { name: 'Dark' }));
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
  });
});
