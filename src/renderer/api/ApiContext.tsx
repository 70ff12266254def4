import { createContext, useContext, useEffect, useRef, type ReactNode } from 'react';
import type { AegeesApi, EventName, EventPayload } from '../../common/api/contract.js';

const ApiContext = createContext<AegeesApi | null>(null);

export function ApiProvider({ api, children }: { api: AegeesApi; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): AegeesApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiProvider');
  return api;
}

/** Subscribes for the component's lifetime; the latest handler runs without resubscribing. */
export function useApiEvent<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): void {
  const api = useApi();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => api.on(event, (payload) => latest.current(payload)), [api, event]);
}
