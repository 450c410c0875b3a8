// Hash routing (#/checks?status=critical, #/check/<name>): the page works under any path
// prefix, and the server serves one index.html.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: string;  // "overview", "checks", "check", "cluster", "events", "alerters"
  arg: string;  // #/check/<arg>
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  const path = q < 0 ? h : h.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : h.slice(q + 1));
  const slash = path.indexOf('/');
  const page = (slash < 0 ? path : path.slice(0, slash)) || 'overview';
  let arg = slash < 0 ? '' : path.slice(slash + 1);
  try {
    arg = decodeURIComponent(arg);
  } catch {
    // keep it as typed
  }
  return { page, arg, query };
}

export function href(page: string, arg?: string, query?: Record<string, string>): string {
  let h = `#/${page}`;
  if (arg !== undefined) {
    h += `/${encodeURIComponent(arg)}`;
  }
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v) {
      q.set(k, v);
    }
  }
  const s = q.toString();
  return s ? `${h}?${s}` : h;
}

export function checkHref(name: string): string {
  return href('check', name);
}

// Changes the query of the current page without a new history entry (filters).
export function replaceQuery(page: string, query: Record<string, string>) {
  const url = new URL(window.location.href);
  url.hash = href(page, undefined, query);
  window.history.replaceState(null, '', url);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
