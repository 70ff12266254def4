import { ErrorText } from '../ui/ErrorText.js';
import { AddContact } from './AddContact.js';
import { ContactList } from './ContactList.js';
import { MyInvite } from './MyInvite.js';
import { useContacts } from './useContacts.js';

export function ContactsPage({ onOpenConversation }: { onOpenConversation: (conversationId: string) => void }) {
  const contacts = useContacts();
  const all = contacts.data ?? [];
  const requests = all.filter((c) => c.state === 'request-received');
  const others = all.filter((c) => c.state !== 'request-received');
  return (
    <div className="page-scroll">
      <h1>Contacts</h1>
      <div className="columns">
        <MyInvite />
        <AddContact onAdded={contacts.reload} />
      </div>
      <ErrorText error={contacts.error} />
      {requests.length > 0 && <ContactList title="Requests" contacts={requests} onOpenConversation={onOpenConversation} />}
      <ContactList title="Your contacts" contacts={others} onOpenConversation={onOpenConversation} emptyText={contacts.data ? 'No contacts yet. Share your invite code or add someone else’s.' : 'Loading…'} />
    </div>
  );
}
