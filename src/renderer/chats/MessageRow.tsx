import { memo, useState } from 'react';
import type { Message } from '../../common/api/contract.js';
import { formatFull, formatTime } from '../lib/time.js';
import { AttachmentItem } from './AttachmentItem.js';
import { DeliveryStatus } from './DeliveryStatus.js';
import { MessageDetailsDialog } from './MessageDetailsDialog.js';
import { MessageText } from './MessageText.js';

/** One message bubble. Memoized: the virtualized list re-renders rows as it scrolls. */
export const MessageRow = memo(function MessageRow({ message, showSender, highlighted }: { message: Message; showSender: boolean; highlighted: boolean }) {
  const [details, setDetails] = useState(false);
  return (
    <article className={`message ${message.fromMe ? 'mine' : 'theirs'}${highlighted ? ' highlighted' : ''}`} aria-label={`${message.fromMe ? 'You' : message.senderName}, ${formatFull(message.sentAt)}`}>
      <div className="bubble">
        {showSender && !message.fromMe && <div className="sender">{message.senderName}</div>}
        {message.text && <MessageText text={message.text} />}
        {message.attachments.map((attachment) => (
          <AttachmentItem key={attachment.id} messageId={message.id} attachment={attachment} />
        ))}
        <div className="meta">
          <time dateTime={new Date(message.sentAt).toISOString()} title={formatFull(message.sentAt)}>
            {formatTime(message.sentAt)}
          </time>
          {message.fromMe && <DeliveryStatus status={message.status} />}
          <button type="button" className="link-like small" onClick={() => setDetails(true)} aria-label="Message details">
            Details
          </button>
        </div>
      </div>
      {details && <MessageDetailsDialog message={message} onClose={() => setDetails(false)} />}
    </article>
  );
});
