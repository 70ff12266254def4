import type { Message } from '../../common/api/contract.js';
import { formatFull } from '../lib/time.js';
import { relayHost } from '../servers/useRelays.js';
import { Dialog } from '../ui/Dialog.js';

/** Where a message is: which relays hold a copy, who has it, who read it. */
export function MessageDetailsDialog({ message, onClose }: { message: Message; onClose: () => void }) {
  const { status } = message;
  return (
    <Dialog title="Message details" onClose={onClose}>
      <dl className="details">
        <dt>Sent</dt>
        <dd>{formatFull(message.sentAt)}</dd>
        {!message.fromMe && (
          <>
            <dt>Received</dt>
            <dd>{formatFull(message.receivedAt)}</dd>
          </>
        )}
        <dt>State</dt>
        <dd>{status.state}{status.error ? ` — ${status.error}` : ''}</dd>
        {message.fromMe && (
          <>
            <dt>Stored on</dt>
            <dd>
              {status.storedOn.length === 0 ? (
                status.state === 'queued' || status.state === 'failed' ? 'No relay has confirmed a copy yet.' : 'Another of your devices sent it and knows where.'
              ) : (
                <ul className="plain-list">
                  {status.storedOn.map((url) => (
                    <li key={url} title={url}>
                      {relayHost(url)}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
            <dt>Delivered to</dt>
            <dd>{status.deliveredTo.length === 0 ? 'Nobody yet.' : <TimedList entries={status.deliveredTo} />}</dd>
            <dt>Read by</dt>
            <dd>{status.readBy.length === 0 ? 'Nobody yet.' : <TimedList entries={status.readBy} />}</dd>
          </>
        )}
      </dl>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

function TimedList({ entries }: { entries: { accountId: string; at: number }[] }) {
  return (
    <ul className="plain-list">
      {entries.map((entry) => (
        <li key={entry.accountId}>
          <code>{entry.accountId.slice(0, 12)}</code> · {formatFull(entry.at)}
        </li>
      ))}
    </ul>
  );
}
