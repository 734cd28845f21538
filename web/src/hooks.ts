import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs a path (null: nothing yet) and keeps the previous data while a new query loads, so tables do not flicker. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: path !== null });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (path === null) {
      setState({ loading: false });
      return;
    }
    const abort = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    api
      .get<T>(path, undefined, abort.signal)
      .then((data) => setState({ data, loading: false }))
      .catch((error: unknown) => {
        if ((error as Error).name === 'AbortError') return;
        setState({ error: error instanceof ApiError ? error : new ApiError(0, 'client', 'failed', String(error)), loading: false });
      });
    return () => abort.abort();
  }, [path, tick]);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Runs an action (a POST…), tracking whether it runs and its error. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const mounted = useRef(true);
  useEffect(() => {
    // StrictMode mounts, unmounts and mounts again: mark mounted on every mount.
    mounted.current = true;
    return () => void (mounted.current = false);
  }, []);
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setRunning(true);
      setError(undefined);
      try {
        return await action(...args);
      } catch (e) {
        if (mounted.current) setError(e instanceof ApiError ? e : new ApiError(0, 'client', 'failed', String(e)));
        return undefined;
      } finally {
        if (mounted.current) setRunning(false);
      }
    },
    [action],
  );
  return { run, running, error, clearError: () => setError(undefined) };
}

export function useLocalStorage(key: string, initial: string | null): [string | null, (v: string | null) => void] {
  const [value, setValue] = useState<string | null>(() => localStorage.getItem(key) ?? initial);
  const set = useCallback(
    (v: string | null) => {
      if (v === null) localStorage.removeItem(key);
      else localStorage.setItem(key, v);
      setValue(v);
    },
    [key],
  );
  return [value, set];
}
