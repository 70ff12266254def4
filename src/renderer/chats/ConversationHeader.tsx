import { useState } from 'react';
import type { Conversation } from '../../common/api/contract.js';
import { useContacts } from '../contacts/useContacts.js';
import { GroupMembersDialog } from '../groups/GroupMembersDialog.js';
import { namedMembers } from '../groups/member-names.js';
import { RelayChoice } from '../servers/RelayChoice.js';

export function ConversationHeader({ conversation, meId }: { conversation: Conversation; meId: string }) {
  return (
    <header className="conversation-header">
      <div className="conversation-heading">
        <h2 className="conversation-title">{conversation.title}</h2>
        {conversation.kind === 'group' ? <GroupSummary conversation={conversation} meId={meId} /> : <p className="muted small">Direct conversation · end-to-end encrypted</p>}
      </div>
      <RelayChoice conversation={conversation} />
    </header>
  );
}

/** Who is in the group, and the way to change it. */
function GroupSummary({ conversation, meId }: { conversation: Conversation; meId: string }) {
  const contacts = useContacts();
  const [open, setOpen] = useState(false);
  const members = conversation.memberAccountIds;
  const names = namedMembers(members, meId, contacts.data, conversation.strangerNames)
    .map((member) => member.name)
    .join(', ');
  return (
    <p className="muted small group-summary">
      <span className="group-members" title={names}>
        Group · {names}
      </span>
      <button type="button" className="link-like small" onClick={() => setOpen(true)} aria-haspopup="dialog">
        {members.length} {members.length === 1 ? 'member' : 'members'}
      </button>
      {open && <GroupMembersDialog conversation={conversation} meId={meId} onClose={() => setOpen(false)} />}
    </p>
  );
}
