import type { MessageStatus } from '../../common/api/contract.js';
import { Icon, type IconName } from '../ui/Icon.js';

const LOOK: Record<MessageStatus['state'], { icon: IconName; label: (status: MessageStatus) => string }> = {
  queued: { icon: 'clock', label: () => 'Queued' },
  // A message sent from another of my devices is stored, but this device made no copy itself.
  stored: { icon: 'check', label: (s) => (s.storedOn.length === 0 ? 'Sent' : `Stored on ${s.storedOn.length} ${s.storedOn.length === 1 ? 'relay' : 'relays'}`) },
  delivered: { icon: 'check', label: () => 'Delivered' },
  read: { icon: 'check', label: () => 'Read' },
  received: { icon: 'check', label: () => 'Received' },
  failed: { icon: 'alert', label: (s) => `Not sent${s.error ? `: ${s.error}` : ''}` },
};

/** The delivery state of one of my messages; the details dialog lists where it is stored. */
export function DeliveryStatus({ status }: { status: MessageStatus }) {
  const look = LOOK[status.state];
  return (
    <span className={`delivery delivery-${status.state}`}>
      <Icon name={look.icon} size={14} />
      <span>{look.label(status)}</span>
    </span>
  );
}
