import { useId } from 'react';
import type { Conversation } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { ErrorText } from '../ui/ErrorText.js';
import { relayHost, useRelays } from './useRelays.js';

const AUTOMATIC = '';

/** Per conversation: send through a random relay (the default) or always through one the person picks. */
export function RelayChoice({ conversation }: { conversation: Conversation }) {
  const api = useApi();
  const relays = useRelays();
  const id = useId();
  const choose = useAction((relayUrl: string | null) => api.call('setConversationRelay', { conversationId: conversation.id, relayUrl }));
  const current = conversation.sendRelay ?? AUTOMATIC;
  const listed = relays.data ?? [];
  return (
    <div className="relay-choice">
      <label htmlFor={id} className="small muted">
        Send through
      </label>
      <select id={id} value={current} disabled={choose.busy} onChange={(event) => void choose.run(event.target.value === AUTOMATIC ? null : event.target.value)}>
        <option value={AUTOMATIC}>Automatic (random relay)</option>
        {listed.map((relay) => (
          <option key={relay.url} value={relay.url}>
            {relayHost(relay.url)} — {relay.status}
            {relay.latencyMs !== null ? `, ${Math.round(relay.latencyMs)} ms` : ''}
          </option>
        ))}
        {current !== AUTOMATIC && !listed.some((relay) => relay.url === current) && <option value={current}>{relayHost(current)} (not in the roster)</option>}
      </select>
      <ErrorText error={choose.error} />
    </div>
  );
}
