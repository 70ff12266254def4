import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventName, EventPayload } from '../../common/api/contract.js';
import { useApiEvent } from './ApiContext.js';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  reload: () => void;
}

/** Loads once, reloads on demand, and takes pushed updates from an event. */
export function useLive<T, E extends EventName>(load: () => Promise<T>, event: E, apply: (current: T | undefined, payload: EventPayload<E>) => T): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => {
    loadRef.current().then(
      (value) => {
        setData(value);
        setError(null);
      },
      (failure: unknown) => setError(failure),
    );
  }, []);
  useEffect(reload, [reload]);
  useApiEvent(event, (payload) => setData((current) => apply(current, payload)));
  return { data, error, reload };
}

export interface Action<A extends unknown[]> {
  run: (...args: A) => Promise<boolean>;
  busy: boolean;
  error: unknown;
  clearError: () => void;
}

/** Wraps a user action: tracks busy state and keeps the failure for display; resolves true on success. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<unknown>): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const actionRef = useRef(action);
  actionRef.current = action;
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      await actionRef.current(...args);
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { run, busy, error, clearError };
}
