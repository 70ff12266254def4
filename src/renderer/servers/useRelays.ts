import type { RelayInfo } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useLive } from '../api/hooks.js';

/** The relay roster with live status, replaced whenever relaysChanged arrives. */
export function useRelays() {
  const api = useApi();
  return useLive<RelayInfo[], 'relaysChanged'>(() => api.call('listRelays', {}), 'relaysChanged', (_current, next) => next);
}

/** Relay addresses are long; people recognise the host name. */
export function relayHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
