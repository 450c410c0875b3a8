// REST calls to /api/v1 (docs/api.md), with the access token.
//
// URLs are relative to the page (`../api/v1/...` from `/ui/`), so the UI works behind a load
// balancer or under a path prefix: any member answers any request. The token lives in
// sessionStorage (asked once per browser session); a 401 asks again and retries; a 403 on a
// write marks the token read-only, and write buttons say so.
import { createStore } from './store';

const TOKEN_KEY = 'ninevolt.token';
const READ_ONLY_KEY = 'ninevolt.read-only';
const DEFAULT_TIMEOUT_MS = 15000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function session(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;  // storage disabled: the token lives only in memory
  }
}

let memoryToken: string | null = null;

export function getToken(): string | null {
  return session()?.getItem(TOKEN_KEY) ?? memoryToken;
}

export interface AuthState {
  asking: boolean;  // the token dialog is open
  reason: string;  // why we ask
  readOnly: boolean;  // a write was refused with 403
  hasToken: boolean;
}

export const auth = createStore<AuthState>({
  asking: false,
  reason: '',
  readOnly: session()?.getItem(READ_ONLY_KEY) === '1',
  hasToken: getToken() !== null,
});

let waiting: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

// Opens the token dialog; resolves when a token is given, rejects when the user cancels.
export function askToken(reason: string): Promise<void> {
  auth.set({ asking: true, reason });
  return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
}

export function provideToken(token: string | null) {
  const s = session();
  memoryToken = token;
  if (token === null) {
    s?.removeItem(TOKEN_KEY);
  } else {
    s?.setItem(TOKEN_KEY, token);
  }
  s?.removeItem(READ_ONLY_KEY);
  auth.set({ asking: false, readOnly: false, hasToken: token !== null });
  waiting.splice(0).forEach((w) => w.resolve());
}

export function cancelTokenRequest() {
  auth.set({ asking: false });
  waiting.splice(0).forEach((w) => w.reject(new ApiError(401, 'an access token is needed')));
}

function markReadOnly() {
  session()?.setItem(READ_ONLY_KEY, '1');
  auth.set({ readOnly: true });
}

export function apiUrl(path: string): string {
  return new URL(`../api/v1/${path}`, window.location.href).toString();
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { 'X-Access-Token': token } : {};
}

export interface ApiAnswer<T> {
  data: T;
  headers: Headers;
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<ApiAnswer<T>> {
  const method = init.method ?? 'GET';
  for (;;) {
    const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders() };
    if (init.body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), init.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    let status: number;
    let text: string;
    let answerHeaders: Headers;
    try {
      const res = await fetch(apiUrl(path), {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: controller.signal,
        cache: 'no-store',
      });
      status = res.status;
      answerHeaders = res.headers;
      text = await res.text();
    } catch {
      throw new ApiError(
        0,
        controller.signal.aborted ? 'the server did not answer in time' : 'cannot reach the server',
      );
    } finally {
      clearTimeout(timer);
    }
    if (status === 401) {
      await askToken(
        getToken() ? 'That token was not accepted: enter another.' : 'This server needs an access token.',
      );
      continue;  // retry with the new token
    }
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const message =
      body && typeof body === 'object' && 'message' in body
        ? String((body as { message: unknown }).message)
        : `HTTP ${status}`;
    if (status === 403) {
      markReadOnly();
      throw new ApiError(403, `read-only token: ${message}`);
    }
    if (status < 200 || status >= 300) {
      throw new ApiError(status, message);
    }
    return { data: body as T, headers: answerHeaders };
  }
}

export async function getJson<T>(path: string): Promise<T> {
  return (await api<T>(path)).data;
}

export function enc(name: string): string {
  return encodeURIComponent(name);
}

// The check types (GET /api/v1/types): fixed for the life of the server, so asked once per tab.
let typesPromise: Promise<import('./types').TypesAnswer> | null = null;
export function getTypes(): Promise<import('./types').TypesAnswer> {
  if (!typesPromise) {
    typesPromise = getJson<import('./types').TypesAnswer>('types').catch((e) => {
      typesPromise = null; // ask again next time
      throw e;
    });
  }
  return typesPromise;
}
