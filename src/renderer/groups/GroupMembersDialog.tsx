import { useId, useState } from 'react';
import type { Conversation } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { useContacts } from '../contacts/useContacts.js';
import { Dialog } from '../ui/Dialog.js';
import { ErrorText } from '../ui/ErrorText.js';
import { addableContacts, namedMembers } from './member-names.js';

/** A group's members, with adding accepted contacts and removing members. */
export function GroupMembersDialog({ conversation, meId, onClose }: { conversation: Conversation; meId: string; onClose: () => void }) {
  const api = useApi();
  const contacts = useContacts();
  const selectId = useId();
  const [toAdd, setToAdd] = useState('');
  const members = conversation.memberAccountIds;
  const candidates = addableContacts(members, contacts.data);
  const add = useAction(async (accountId: string) => {
    await api.call('addGroupMember', { conversationId: conversation.id, accountId });
    setToAdd('');
  });
  const remove = useAction((accountId: string) => api.call('removeGroupMember', { conversationId: conversation.id, accountId }));
  const busy = add.busy || remove.busy;

  return (
    <Dialog title={`Members of ${conversation.title}`} onClose={onClose}>
      <ul className="member-list" aria-label="Members">
        {namedMembers(members, meId, contacts.data, conversation.strangerNames).map(({ accountId, name }) => (
          <li key={accountId} className="member-row">
            <span>{name}</span>
            {accountId !== meId && (
              <button type="button" className="small" onClick={() => void remove.run(accountId)} disabled={busy} aria-label={`Remove ${name}`}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      <ErrorText error={remove.error ?? contacts.error} />
      <form
        className="field inline"
        onSubmit={(event) => {
          event.preventDefault();
          if (toAdd) void add.run(toAdd);
        }}
      >
        <label htmlFor={selectId}>Add a contact</label>
        <select id={selectId} value={toAdd} onChange={(event) => setToAdd(event.target.value)} disabled={candidates.length === 0}>
          <option value="">{candidates.length === 0 ? 'No contacts left to add' : 'Choose a contact'}</option>
          {candidates.map((contact) => (
            <option key={contact.accountId} value={contact.accountId}>
              {contact.displayName}
            </option>
          ))}
        </select>
        <button type="submit" disabled={busy || toAdd === ''}>
          Add
        </button>
      </form>
      <ErrorText error={add.error} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
