import { useState, type FormEvent } from 'react';
import type { Conversation } from '../../common/api/contract.js';
import { LIMITS } from '../../common/api/limits.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { useContacts } from '../contacts/useContacts.js';
import { Dialog } from '../ui/Dialog.js';
import { ErrorText } from '../ui/ErrorText.js';
import { addableContacts } from './member-names.js';

/** Creating a group: a name and the accepted contacts to start it with. */
export function NewGroupDialog({ onCreated, onClose }: { onCreated: (conversation: Conversation) => void; onClose: () => void }) {
  const api = useApi();
  const contacts = useContacts();
  const candidates = addableContacts([], contacts.data);
  const [title, setTitle] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const create = useAction(async () => onCreated(await api.call('createGroup', { title: title.trim(), memberAccountIds: chosen })));

  function toggle(accountId: string, on: boolean) {
    setChosen((current) => (on ? [...current, accountId] : current.filter((id) => id !== accountId)));
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    void create.run();
  }

  return (
    <Dialog title="New group" onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span>Group name</span>
          <input value={title} onChange={(event) => setTitle(event.target.value)} maxLength={LIMITS.displayNameChars} required />
        </label>
        <fieldset>
          <legend>Members</legend>
          <ErrorText error={contacts.error} />
          {contacts.data && candidates.length === 0 && <p className="muted">Add contacts first: only accepted contacts can join a group.</p>}
          {candidates.map((contact) => (
            <label key={contact.accountId} className="check">
              <input type="checkbox" checked={chosen.includes(contact.accountId)} onChange={(event) => toggle(contact.accountId, event.target.checked)} />
              {contact.displayName}
            </label>
          ))}
        </fieldset>
        <ErrorText error={create.error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.busy || title.trim() === '' || chosen.length === 0}>
            Create group
          </button>
        </div>
      </form>
    </Dialog>
  );
}
