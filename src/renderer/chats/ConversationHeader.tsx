import type { Conversation } from '../../common/api/contract.js';
import { RelayChoice } from '../servers/RelayChoice.js';

export function ConversationHeader({ conversation }: { conversation: Conversation }) {
  const members = conversation.memberAccountIds.length;
  return (
    <header className="conversation-header">
      <div>
        <h2 className="conversation-title">{conversation.title}</h2>
        <p className="muted small">{conversation.kind === 'group' ? `Group · ${members} ${members === 1 ? 'member' : 'members'}` : 'Direct conversation · end-to-end encrypted'}</p>
      </div>
      <RelayChoice conversation={conversation} />
    </header>
  );
}
