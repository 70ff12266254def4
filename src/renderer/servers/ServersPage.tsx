import { ErrorText } from '../ui/ErrorText.js';
import { AddRelayForm } from './AddRelayForm.js';
import { RedundancySetting } from './RedundancySetting.js';
import { RelayTable } from './RelayTable.js';
import { useRelays } from './useRelays.js';

/** The server picker: the roster with live status, adding and removing relays, and how many copies to keep. */
export function ServersPage() {
  const relays = useRelays();
  return (
    <div className="page-scroll">
      <h1>Servers</h1>
      <p className="muted">
        Relays hold encrypted messages only until every recipient device has them. Each message goes to a relay chosen at random unless a conversation picks one (in the conversation’s header), plus backup copies on other relays.
      </p>
      <ErrorText error={relays.error} />
      <RelayTable relays={relays.data} />
      <div className="columns">
        <RedundancySetting />
        <AddRelayForm />
      </div>
    </div>
  );
}
