// The one place the renderer gets its API: the Electron preload's window.aegees when it is
// there, otherwise the browser target's WebSocket. Both satisfy AegeesApi, and everything
// above this file sees only that.
import type { AegeesApi } from '../../common/api/contract.js';
import { toAegeesError } from '../../common/api/transport.js';
import { WIRE_PATH } from '../../common/api/wire.js';
import { createWsClient, type SocketLike } from './ws-client.js';

declare global {
  interface Window {
    aegees?: AegeesApi;
  }
}

const TOKEN_KEY = 'aegees.launchToken';

/** Returns the API, or null in a browser that was not given the host's launch token. */
export function connectApi(): AegeesApi | null {
  if (window.aegees) return withTypedErrors(window.aegees);
  const token = takeLaunchToken();
  if (token === null) return null;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return withTypedErrors(
    createWsClient({
      url: `${scheme}://${location.host}${WIRE_PATH}`,
      token,
      connect: (url, protocols) => new WebSocket(url, protocols) as SocketLike,
    }),
  );
}

/**
 * The host hands the token over in the URL fragment (never sent to any server). It moves
 * to this tab's session storage and leaves the address bar, so a reload still works and a
 * shared screenshot or history entry does not carry it.
 */
function takeLaunchToken(): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]{16,128})(?:&|$)/.exec(location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname + location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Errors thrown across contextBridge lose their fields; this gives every rejection its AegeesError back. */
function withTypedErrors(api: AegeesApi): AegeesApi {
  return {
    call: (method, args) => api.call(method, args).catch((error: unknown) => Promise.reject(toAegeesError(error))),
    on: (event, listener) => api.on(event, listener),
  };
}
