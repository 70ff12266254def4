import { useState } from 'react';
import type { RelayInfo } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { ErrorText } from '../ui/ErrorText.js';
import { relayHost } from './useRelays.js';

const STATUS_TEXT: Record<RelayInfo['status'], string> = {
  connected: 'Connected',
  connecting: 'Connecting',
  down: 'Down',
  impostor: 'Wrong key — impostor?',
};

export function RelayTable({ relays }: { relays: RelayInfo[] | undefined }) {
  if (!relays) return <p className="muted">Loading relays…</p>;
  return (
    <table className="relay-table">
      <caption className="visually-hidden">Relays in your roster</caption>
      <thead>
        <tr>
          <th scope="col">Relay</th>
          <th scope="col">Status</th>
          <th scope="col">Latency</th>
          <th scope="col">Relay key</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {relays.map((relay) => (
          <RelayRow key={relay.url} relay={relay} />
        ))}
      </tbody>
    </table>
  );
}

function RelayRow({ relay }: { relay: RelayInfo }) {
  const api = useApi();
  const [confirming, setConfirming] = useState(false);
  const remove = useAction(() => api.call('removeRelay', { url: relay.url }));
  const host = relayHost(relay.url);
  return (
    <tr>
      <th scope="row">
        <span className="title" title={relay.url}>
          {host}
        </span>
        <span className="muted small block">{relay.source === 'user' ? 'Added by you' : 'Built in'}</span>
      </th>
      <td>
        <span className={`status-dot status-${relay.status}`} aria-hidden="true" />
        {STATUS_TEXT[relay.status]}
        {relay.lastError && <span className="muted small block">{relay.lastError}</span>}
      </td>
      {/* A relay that stopped answering has no current latency; its last one would mislead. */}
      <td>{relay.latencyMs === null || relay.status === 'down' || relay.status === 'impostor' ? '—' : `${Math.round(relay.latencyMs)} ms`}</td>
      <td>
        <code className="key" title={relay.identityKey}>
          {relay.identityKey.slice(0, 16)}…
        </code>
        <span className={`small block ${relay.keyVerified ? 'success-text' : 'muted'}`}>{relay.keyVerified ? 'Verified' : 'Not verified yet'}</span>
      </td>
      <td>
        <button type="button" className="danger" onClick={() => setConfirming(true)} aria-label={`Remove ${host}`}>
          Remove
        </button>
        <ErrorText error={remove.error} />
        {confirming && (
          <ConfirmDialog
            title={`Remove ${host}?`}
            confirmLabel="Remove relay"
            danger
            onCancel={() => setConfirming(false)}
            onConfirm={async () => {
              setConfirming(false);
              await remove.run();
            }}
          >
            <p>Aegees stops sending through this relay. Conversations that chose it go back to automatic.</p>
          </ConfirmDialog>
        )}
      </td>
    </tr>
  );
}
