// The frame: header with navigation and the live indicator, the token dialog, and the page
// the hash names.
import { useEffect, useRef, useState } from 'preact/hooks';
import { auth, cancelTokenRequest, provideToken } from './api';
import { live } from './live';
import { AlertersPage } from './pages/alerters';
import { CheckPage } from './pages/check';
import { ChecksPage } from './pages/checks';
import { ClusterPage } from './pages/cluster';
import { EventsPage } from './pages/events';
import { OverviewPage } from './pages/overview';
import { SilencesPage } from './pages/silences';
import { useRoute } from './router';
import { useStore } from './store';

const NAV: Array<[string, string]> = [
  ['overview', 'Overview'],
  ['checks', 'Checks'],
  ['cluster', 'Cluster'],
  ['events', 'Events'],
  ['alerters', 'Alerters'],
  ['silences', 'Silences'],
];

function LiveIndicator() {
  const state = useStore(live);
  const label = {
    connecting: 'Connecting',
    live: 'Live',
    reconnecting: 'Reconnecting',
    polling: 'Polling',
    offline: 'Offline',
  }[state.mode];
  return (
    <span class={`live live-${state.mode}`} role="status" aria-live="polite" title={state.detail}>
      <span class="dot" aria-hidden="true" />
      <span class="live-label">{label}</span>
      <span class="sr-only">: {state.detail}</span>
    </span>
  );
}

function TokenDialog() {
  const state = useStore(auth);
  const ref = useRef<HTMLDialogElement>(null);
  const [value, setValue] = useState('');
  useEffect(() => {
    const d = ref.current;
    if (!d) {
      return;
    }
    if (state.asking && !d.open) {
      setValue('');
      d.showModal();
    } else if (!state.asking && d.open) {
      d.close();
    }
  }, [state.asking]);
  return (
    <dialog
      ref={ref}
      class="token-dialog"
      aria-labelledby="token-title"
      onCancel={(e) => {
        e.preventDefault();
        cancelTokenRequest();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) {
            provideToken(value.trim());
          }
        }}
      >
        <h2 id="token-title">Access token</h2>
        <p>{state.reason || 'This server needs an access token.'}</p>
        <p class="muted small">
          It is kept in this browser tab's session storage only, and sent with every API call.
        </p>
        <label for="token-input">Token</label>
        <input
          id="token-input"
          name="token"
          type="password"
          autocomplete="current-password"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          required
          autofocus
        />
        <div class="row">
          <button type="submit" class="primary">
            Use token
          </button>
          <button type="button" onClick={() => cancelTokenRequest()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

function TokenButton() {
  const state = useStore(auth);
  if (!state.hasToken) {
    return null;
  }
  return (
    <button
      type="button"
      class="link header-link"
      onClick={() => {
        provideToken(null);
        window.location.reload();
      }}
      title="Forget the access token kept for this tab"
    >
      Forget token{state.readOnly ? ' (read-only)' : ''}
    </button>
  );
}

export function App() {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const current = route.page === 'check' ? 'checks' : route.page;
  // Moving to another page moves keyboard focus to its content (as a page load would).
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [route.page, route.arg]);
  let page;
  switch (route.page) {
    case 'overview':
      page = <OverviewPage />;
      break;
    case 'checks':
      page = <ChecksPage query={route.query} />;
      break;
    case 'check':
      page = <CheckPage name={route.arg} />;
      break;
    case 'cluster':
      page = <ClusterPage />;
      break;
    case 'events':
      page = <EventsPage query={route.query} />;
      break;
    case 'alerters':
      page = <AlertersPage />;
      break;
    case 'silences':
      page = <SilencesPage />;
      break;
    default:
      page = (
        <div class="card">
          <h1>Not found</h1>
          <p>
            No page <code>{route.page}</code>. <a href="#/overview">Go to the overview</a>.
          </p>
        </div>
      );
  }
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => {
        e.preventDefault();
        main.current?.focus();
      }}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/overview" aria-label="9volt overview">
          <span aria-hidden="true">⚡</span> 9volt
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([id, label]) => (
              <li key={id}>
                <a href={`#/${id}`} aria-current={current === id ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="top-right">
          <TokenButton />
          <LiveIndicator />
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page}
      </main>
      <TokenDialog />
    </>
  );
}
