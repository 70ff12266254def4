import { useState } from 'react';
import type { Contact } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { initials } from '../app/Nav.js';
import { ErrorText } from '../ui/ErrorText.js';
import { SafetyNumberDialog } from './SafetyNumberDialog.js';

export function ContactList({ title, contacts, onOpenConversation, emptyText }: { title: string; contacts: Contact[]; onOpenConversation: (id: string) => void; emptyText?: string }) {
  return (
    <section className="card" aria-label={title}>
      <h2>{title}</h2>
      {contacts.length === 0 ? (
        <p className="muted">{emptyText}</p>
      ) : (
        <ul className="contact-list">
          {contacts.map((contact) => (
            <ContactRow key={contact.accountId} contact={contact} onOpenConversation={onOpenConversation} />
          ))}
        </ul>
      )}
    </section>
  );
}

const STATE_TEXT: Record<Contact['state'], string> = {
  accepted: '',
  'request-sent': 'Waiting for them to accept',
  'request-received': 'Wants to talk to you',
};

function ContactRow({ contact, onOpenConversation }: { contact: Contact; onOpenConversation: (id: string) => void }) {
  const api = useApi();
  const [safety, setSafety] = useState(false);
  const accept = useAction(() => api.call('acceptContact', { accountId: contact.accountId }));
  const open = useAction(async () => onOpenConversation((await api.call('openDirectConversation', { accountId: contact.accountId })).id));
  const name = contact.displayName;
  return (
    <li className="contact-row">
      <span className="avatar" aria-hidden="true">
        {initials(name)}
      </span>
      <span className="contact-text">
        <span className="title">
          {name}
          {contact.verified && <span className="verified-tag">Verified</span>}
        </span>
        <span className="muted small">
          {STATE_TEXT[contact.state] || `${contact.deviceCount} ${contact.deviceCount === 1 ? 'device' : 'devices'}`}
        </span>
      </span>
      <span className="row-actions">
        {contact.state === 'request-received' && (
          <button type="button" className="primary" onClick={() => void accept.run()} disabled={accept.busy} aria-label={`Accept ${name}`}>
            Accept
          </button>
        )}
        {contact.state === 'accepted' && (
          <button type="button" onClick={() => void open.run()} disabled={open.busy} aria-label={`Message ${name}`}>
            Message
          </button>
        )}
        <button type="button" onClick={() => setSafety(true)} aria-label={`Safety number for ${name}`}>
          Safety number
        </button>
      </span>
      <ErrorText error={accept.error ?? open.error} />
      {safety && <SafetyNumberDialog contact={contact} onClose={() => setSafety(false)} />}
    </li>
  );
}
