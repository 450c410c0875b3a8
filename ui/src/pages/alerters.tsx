// Alerters, as the API shows them: secret options are redacted by the server, never here.
import { Fragment } from 'preact';
import { getJson } from '../api';
import { ErrorNote, Loading, usePageTitle, useAsync } from '../components';
import { show } from '../format';
import { useRefetch } from '../live';
import type { AlerterSpec } from '../types';

const REDACTED = '<redacted>';

export function AlertersPage() {
  usePageTitle('Alerters');
  const list = useAsync(() => getJson<Record<string, AlerterSpec>>('alerter'), []);
  useRefetch(list.reload, (t, d) => t === 'cluster' && d?.change === 'alerter', 1000);
  const entries = Object.entries(list.data ?? {}).sort((a, b) => a[0].localeCompare(b[0]));
  return (
    <>
      <h1>Alerters</h1>
      <p class="muted">Secret options (tokens, keys, passwords, webhook secrets) are never sent to the browser.</p>
      <ErrorNote error={list.error} retry={list.reload} />
      {!list.data && !list.error && <Loading what="alerters" />}
      {list.data && entries.length === 0 && <p class="card muted">No alerters.</p>}
      <div class="alerters">
        {entries.map(([name, a]) => (
          <section class="card" key={name} aria-labelledby={`a-${name}`} data-alerter={name}>
            <div class="card-head">
              <h2 id={`a-${name}`}>{name}</h2>
              <span class="tag">{a.type ?? '?'}</span>
            </div>
            {a.description && <p>{a.description}</p>}
            <dl class="facts">
              {Object.entries(a.options ?? {}).map(([k, v]) => (
                <Fragment key={k}>
                  <dt>{k}</dt>
                  <dd>{v === REDACTED ? <span class="redacted">redacted</span> : <code>{show(v)}</code>}</dd>
                </Fragment>
              ))}
              {Object.entries(a)
                .filter(([k]) => !['type', 'description', 'options'].includes(k))
                .map(([k, v]) => (
                  <Fragment key={k}>
                    <dt>{k}</dt>
                    <dd>
                      <code>{show(v)}</code>
                    </dd>
                  </Fragment>
                ))}
            </dl>
          </section>
        ))}
      </div>
    </>
  );
}
