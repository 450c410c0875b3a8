// Live updates: GET /api/v1/stream (Server-Sent Events) with EventSource, which reconnects by
// itself and sends Last-Event-ID (the etcd revision) so the server can resume. EventSource
// cannot set headers: the token goes in ?access_token=. When the server has no stream route
// (404) the UI polls instead: every POLL_MS a "tick" asks each page to read again.
//
// Pages subscribe with useLive()/useRefetch(). Message types: "state", "state-deleted",
// "event", "cluster" (the stream's), "resync" (read everything again: the stream said so, it
// overflowed, or a new connection could not resume) and "tick" (polling).
import { useEffect, useRef } from 'preact/hooks';
import { apiUrl, auth, authHeaders, getToken } from './api';
import { createStore } from './store';

export const POLL_MS = 10000;
const RETRY_MS = 5000;

export type LiveMode = 'connecting' | 'live' | 'reconnecting' | 'polling' | 'offline';

export interface LiveState {
  mode: LiveMode;
  detail: string;
  updated: number;  // Date.now() of the last message or poll
}

export const live = createStore<LiveState>({ mode: 'connecting', detail: '', updated: 0 });

export type LiveType = 'state' | 'state-deleted' | 'event' | 'cluster' | 'resync' | 'tick';
// Message data is JSON from the server: each listener reads the fields it knows.
export type LiveListener = (type: LiveType, data: any) => void;

const listeners = new Set<LiveListener>();

function emit(type: LiveType, data: unknown) {
  live.set({ updated: Date.now() });
  listeners.forEach((fn) => {
    try {
      fn(type, data);
    } catch (e) {
      console.error('live listener', e);
    }
  });
}

let source: EventSource | null = null;
let pollTimer: number | undefined;
let retryTimer: number | undefined;
let connections = 0;
let started = false;

function streamUrl(): string {
  const params = new URLSearchParams({ types: 'state,event,cluster' });
  const token = getToken();
  if (token) {
    params.set('access_token', token);
  }
  return apiUrl(`stream?${params}`);
}

// While polling, the stream is tried again now and then: behind a load balancer, members
// being upgraded one by one may gain the route.
const STREAM_RETRY_TICKS = 30;
let ticks = 0;

function startPolling(detail: string) {
  closeSource();
  live.set({ mode: 'polling', detail });
  if (pollTimer === undefined) {
    ticks = 0;
    pollTimer = window.setInterval(() => {
      if (document.hidden) {
        return;  // a hidden tab reads nothing; it catches up when shown (below)
      }
      emit('tick', null);
      if (++ticks % STREAM_RETRY_TICKS === 0) {
        connect();
      }
    }, POLL_MS);
  }
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && pollTimer !== undefined) {
    emit('tick', null);
  }
});

function stopPolling() {
  if (pollTimer !== undefined) {
    window.clearInterval(pollTimer);
    pollTimer = undefined;
  }
}

function closeSource() {
  source?.close();
  source = null;
}

function retryLater(ms = RETRY_MS) {
  window.clearTimeout(retryTimer);
  retryTimer = window.setTimeout(connect, ms);
}

// Why the stream closed: EventSource does not say, so ask with fetch (headers only).
async function diagnose() {
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), 10000);
  try {
    const res = await fetch(apiUrl('stream?types=cluster'), {
      headers: { Accept: 'text/event-stream', ...authHeaders() },
      signal: controller.signal,
      cache: 'no-store',
    });
    controller.abort();  // headers are enough
    if (res.status === 404) {
      startPolling(`no live stream on this server: reading again every ${POLL_MS / 1000} s`);
    } else if (res.status === 401) {
      // The pages ask for the token (api.ts); connect again once there is one.
      live.set({ mode: 'offline', detail: 'waiting for an access token' });
      const unsubscribe = auth.subscribe((a) => {
        if (a.hasToken && !a.asking) {
          unsubscribe();
          connect();
        }
      });
    } else {
      live.set({ mode: 'reconnecting', detail: `stream answered HTTP ${res.status}; retrying` });
      retryLater();
    }
  } catch {
    live.set({ mode: 'offline', detail: 'cannot reach the server; retrying' });
    retryLater();
  } finally {
    window.clearTimeout(timer);
  }
}

function connect() {
  window.clearTimeout(retryTimer);
  closeSource();
  if (typeof EventSource === 'undefined') {
    startPolling('this browser has no EventSource: polling');
    return;
  }
  const es = new EventSource(streamUrl());
  source = es;
  const first = connections === 0;
  es.addEventListener('open', () => {
    stopPolling();
    live.set({ mode: 'live', detail: 'live updates from the server' });
  });
  es.addEventListener('hello', () => {
    connections++;
    // A new EventSource starts without Last-Event-ID: what happened meanwhile is unknown.
    if (!first) {
      emit('resync', null);
    }
  });
  const forward = (type: LiveType) => (e: MessageEvent) => {
    let data: unknown = null;
    try {
      data = e.data ? JSON.parse(e.data) : null;
    } catch {
      return;
    }
    emit(type, data);
  };
  es.addEventListener('state', forward('state'));
  es.addEventListener('state-deleted', forward('state-deleted'));
  es.addEventListener('event', forward('event'));
  es.addEventListener('cluster', forward('cluster'));
  es.addEventListener('resync', () => emit('resync', null));
  es.addEventListener('overflow', () => emit('resync', null));
  es.addEventListener('error', () => {
    if (es !== source) {
      return;
    }
    if (es.readyState === EventSource.CLOSED) {
      // Not a stream (404, 401, ...): EventSource gives up; find out why.
      closeSource();
      void diagnose();
    } else {
      live.set({ mode: 'reconnecting', detail: 'connection lost; reconnecting' });
    }
  });
}

export function startLive() {
  if (started) {
    return;
  }
  started = true;
  connect();
}

// The token changed (entered or forgotten): the stream URL carries it.
auth.subscribe((a) => {
  if (started && !a.asking && source !== null) {
    const url = streamUrl();
    if (source.url !== url) {
      connect();
    }
  }
});

export function onLive(fn: LiveListener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// Subscribes for the component's lifetime; the latest fn is called (no resubscribing).
export function useLive(fn: LiveListener) {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => onLive((t, d) => ref.current(t, d)), []);
}

// Calls load() again on "tick"/"resync" and on messages for which wants(type, data) is true,
// at most once every minMs (the last trigger in a burst is never lost).
export function useRefetch(
  load: () => void,
  wants: LiveListener extends (t: LiveType, d: infer D) => void ? (type: LiveType, data: D) => boolean : never,
  minMs = 2000,
) {
  const loadRef = useRef(load);
  loadRef.current = load;
  const wantsRef = useRef(wants);
  wantsRef.current = wants;
  useEffect(() => {
    let last = 0;
    let timer: number | undefined;
    const run = () => {
      timer = undefined;
      last = Date.now();
      loadRef.current();
    };
    const off = onLive((type, data) => {
      if (type !== 'tick' && type !== 'resync' && !wantsRef.current(type, data)) {
        return;
      }
      if (timer !== undefined) {
        return;
      }
      const wait = Math.max(0, last + minMs - Date.now());
      timer = window.setTimeout(run, type === 'tick' ? 0 : wait);
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, [minMs]);
}
