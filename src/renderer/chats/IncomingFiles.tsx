import type { Conversation } from '../../common/api/contract.js';
import { useIncomingFiles, type IncomingFiles as Incoming } from '../app/progress.js';
import { useContacts } from '../contacts/useContacts.js';

/**
 * "Receiving a file from Bob… 42%": a chat message with files is shown only once its files
 * are here, so until then the conversation says that something is on its way.
 */
export function IncomingFiles({ conversation, meId }: { conversation: Conversation; meId: string }) {
  const incoming = useIncomingFiles(conversation.id);
  if (incoming.length === 0) return null;
  return <IncomingList conversation={conversation} meId={meId} incoming={incoming} />;
}

function IncomingList({ conversation, meId, incoming }: { conversation: Conversation; meId: string; incoming: Incoming[] }) {
  const contacts = useContacts();
  const nameOf = (accountId: string) => {
    if (accountId === meId) return 'your other device';
    const contact = contacts.data?.find((c) => c.accountId === accountId);
    if (contact) return contact.displayName;
    return conversation.kind === 'direct' ? conversation.title : 'a group member';
  };
  return (
    <div className="incoming-files">
      {incoming.map((item) => {
        const label = `Receiving a file from ${nameOf(item.senderAccountId)}…`;
        const percent = item.total > 0 ? Math.min(100, Math.floor((item.done * 100) / item.total)) : 0;
        return (
          <div key={item.messageId} className="incoming-file" role="status">
            <span>{label}</span>{' '}
            <span className="progress-text" aria-hidden="true">
              {percent}%
            </span>
            <div
              className="incoming-bar"
              role="progressbar"
              aria-label={label}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={percent}
              aria-valuetext={`${percent}%`}
            >
              <div className="incoming-bar-fill" style={{ width: `${percent}%` }} />
            </div>
          </div>
        );
      })}
    </div>
  );
}
