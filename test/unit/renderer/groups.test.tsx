// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { Contact } from '../../../src/common/api/contract.js';
import { addableContacts, memberName, namedMembers } from '../../../src/renderer/groups/member-names.js';
import { renderApp } from './render.js';

afterEach(cleanup);

const contact = (accountId: string, displayName: string, state: Contact['state'] = 'accepted'): Contact => ({ accountId, displayName, state, verified: false, deviceCount: 1 });

describe('group members', () => {
  it('names members as the reader knows them and offers only accepted contacts not yet in', () => {
    const contacts = [contact('b', 'Bob'), contact('c', 'Carol', 'request-received'), contact('a', 'Ann')];
    expect(memberName('me', 'me', contacts, {})).toBe('You');
    expect(memberName('b', 'me', contacts, {})).toBe('Bob');
    expect(memberName('0123456789abcdef', 'me', contacts, { '0123456789abcdef': 'Carol (0123456789ab)' })).toBe('Carol (0123456789ab)');
    expect(memberName('0123456789abcdef', 'me', contacts, {})).toBe('0123456789ab');
    expect(addableContacts(['me', 'b'], contacts).map((c) => c.displayName)).toEqual(['Ann']);
    expect(namedMembers(['b', 'a', 'me'], 'me', contacts, {}).map((m) => m.name)).toEqual(['You', 'Ann', 'Bob']);
  });

  it('creates a group from a name and chosen contacts, then opens it', async () => {
    const { backend } = renderApp();
    await userEvent.click(await screen.findByRole('button', { name: 'New group' }));
    const dialog = screen.getByRole('dialog', { name: 'New group' });
    const create = within(dialog).getByRole('button', { name: 'Create group' });
    expect(within(dialog).getAllByRole('checkbox').map((box) => box.closest('label')?.textContent)).toEqual(['Bob Okafor', 'Dave Lindqvist']);
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Group name' }), 'Climbing');
    expect(create).toHaveProperty('disabled', true);
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'Dave Lindqvist' }));
    await userEvent.click(create);
    expect(backend.calls.find((c) => c.method === 'createGroup')?.args).toEqual({ title: 'Climbing', memberAccountIds: ['acct-dave'] });
    const header = within(await screen.findByRole('region', { name: 'Conversation with Climbing' })).getByRole('banner');
    // The header names members once its own contacts query has answered.
    await waitFor(() => expect(header.textContent).toContain('Group · You, Dave Lindqvist'));
  });

  it('lists, adds and removes members from the conversation header', async () => {
    const { backend } = renderApp();
    await userEvent.click(await screen.findByRole('button', { name: /^Project Atlas/ }));
    await userEvent.click(await screen.findByRole('button', { name: '3 members' }));
    const dialog = screen.getByRole('dialog', { name: 'Members of Project Atlas' });
    expect(within(dialog).getAllByRole('listitem').map((item) => item.firstChild?.textContent)).toEqual(['You', 'Bob Okafor', 'Dave Lindqvist']);
    // Everyone accepted is in already; Carol has not accepted, so she cannot be added.
    expect(within(dialog).getByRole('combobox', { name: 'Add a contact' })).toHaveProperty('disabled', true);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Remove Bob Okafor' }));
    expect(backend.calls.find((c) => c.method === 'removeGroupMember')?.args).toEqual({ conversationId: 'conv-atlas', accountId: 'acct-bob' });
    expect(await screen.findByRole('button', { name: '2 members' })).toBeTruthy();
    await userEvent.selectOptions(within(dialog).getByRole('combobox', { name: 'Add a contact' }), 'Bob Okafor');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add' }));
    expect(await screen.findByRole('button', { name: '3 members' })).toBeTruthy();
  });
});
