// Pieces shared by the pages: status badges, times, error and loading notes, and a hook
// that loads data and reloads it on demand.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { localTime, timeAgo } from './format';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status || 'unknown'}`}>{status || 'unknown'}</span>;
}

export function Time({ iso }: { iso?: string }) {
  if (!iso) {
    return <span class="muted">–</span>;
  }
  return (
    <time dateTime={iso} title={localTime(iso)}>
      {timeAgo(iso)}
    </time>
  );
}

export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  if (!error) {
    return null;
  }
  const message = error instanceof Error ? error.message : String(error);
  const status = error instanceof ApiError && error.status ? ` (HTTP ${error.status})` : '';
  return (
    <div class="note note-error" role="alert">
      <span>
        {message}
        {status}
      </span>
      {retry && (
        <button type="button" class="link" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Section({
  title,
  children,
  id,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  id?: string;
  actions?: ComponentChildren;
}) {
  const hid = id ?? `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section class="card" aria-labelledby={hid}>
      <div class="card-head">
        <h2 id={hid}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

// Loads with fn() now and whenever deps change; reload() loads again keeping the old data on
// screen (no flicker on live refreshes). Answers of superseded loads are dropped.
export function useAsync<T>(fn: () => Promise<T>, deps: unknown[]): Async<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const reload = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    fnRef
      .current()
      .then((d) => {
        if (mine === seq.current) {
          setData(d);
          setError(null);
        }
      })
      .catch((e) => {
        if (mine === seq.current) {
          setError(e);
        }
      })
      .finally(() => {
        if (mine === seq.current) {
          setLoading(false);
        }
      });
  }, []);
  useEffect(() => {
    reload();
  }, deps);  // eslint-disable-line react-hooks/exhaustive-deps
  return { data, error, loading, reload };
}

// Re-renders every `ms` so "3 min ago" stays true.
export function useNow(ms = 15000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(t);
  }, [ms]);
  return now;
}

export function usePageTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · 9volt`;
  }, [title]);
}
