// Pages by `location.pathname`, without a router library: the server answers every page path
// (one without a dot) with index.html. `navigate` moves within the app without a reload.
import { useSyncExternalStore, type MouseEvent } from 'react';

const EVENT = 'codecollab:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(EVENT, onChange);
  };
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}

export function navigate(path: string): void {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  window.dispatchEvent(new Event(EVENT));
}

/** An `onClick` for a same-app link: a plain click navigates here; Ctrl/Cmd/middle click opens a tab. */
export function followLink(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(event.currentTarget.pathname);
}

export type Route = 'editor' | 'tokens' | 'admin-users';

export function routeFor(path: string): Route {
  const clean = path.replace(/\/+$/, '') || '/';
  if (clean === '/account/tokens') return 'tokens';
  if (clean === '/admin/users') return 'admin-users';
  return 'editor';
}
