/** A small client-side router: the path is the state; links push history entries; the server answers every path with the app. */
import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();
const subscribe = (l: () => void) => {
  listeners.add(l);
  window.addEventListener('popstate', l);
  return () => {
    listeners.delete(l);
    window.removeEventListener('popstate', l);
  };
};
const snapshot = () => window.location.pathname + window.location.search;

export function navigate(to: string, replace = false): void {
  if (to === snapshot()) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const l of listeners) l();
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const s = useSyncExternalStore(subscribe, snapshot);
  const [path, query = ''] = s.split('?');
  return { path: path ?? '/', search: new URLSearchParams(query) };
}

/** Query-string state: pages keep their filters in the URL, so a view can be bookmarked, reloaded and shared. */
export function useQueryState(): [URLSearchParams, (changes: Record<string, string | null | undefined>) => void] {
  const { path, search } = useLocation();
  const set = (changes: Record<string, string | null | undefined>) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    const q = next.toString();
    navigate(q ? `${path}?${q}` : path, true);
  };
  return [search, set];
}

export function Link({ to, children, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
    window.scrollTo(0, 0);
  };
  return (
    <a href={to} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · winback`;
  }, [title]);
}
