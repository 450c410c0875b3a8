// Alerters, as the API shows them: secret options are redacted by the server, never here.
// With each, its alert storm if it is in one (GET /api/v1/storm, looked at every 5 s).
import { Fragment } from 'preact';
import { useEffect } from 'preact/hooks';
import { getJson } from '../api';
import { ErrorNote, Loading, usePageTitle, useAsync, useNow } from '../components';
import { plural, show, timeAgo } from '../format';
import { useRefetch } from '../live';
import type { AlerterSpec, AlerterStorms, Storm } from '../types';

const REDACTED = '<redacted>';
const STORM_POLL_MS = 5000;

function StormNote({ storm, now }: { storm: Storm; now: number }) {
  const pending = storm.pending.critical + storm.pending.warning + storm.pending.recovered;
  const over = storm.still_failing === 0;
  return (
    <p class={`storm ${over ? 'storm-over' : 'storm-on'}`} data-testid="alerter-storm" data-storm={storm.storm}>
      <span class={`badge badge-${over ? 'ok' : storm.worst === 'critical' ? 'critical' : 'warning'}`}>{over ? 'storm over' : 'alert storm'}</span>{' '}
      #{storm.storm} since {timeAgo(storm.since, now)}: {plural(storm.still_failing, 'check')} still failing,{' '}
      {plural(storm.digests_sent, 'digest')} sent
      {pending > 0 && <>, {plural(pending, 'change')} waiting for the next digest</>}
      {storm.sending && <>, digest {storm.sending.digest} being sent by member {storm.sending.by}</>}.
    </p>
  );
}

export function AlertersPage() {
  usePageTitle('Alerters');
  const list = useAsync(() => getJson<Record<string, AlerterSpec>>('alerter'), []);
  useRefetch(list.reload, (t, d) => t === 'cluster' && d?.change === 'alerter', 1000);
  const entries = Object.entries(list.data ?? {}).sort((a, b) => a[0].localeCompare(b[0]));
  const storms = useAsync(() => getJson<AlerterStorms[]>('storm'), []);
  useEffect(() => {
    const t = window.setInterval(storms.reload, STORM_POLL_MS);
    return () => window.clearInterval(t);
  }, [storms.reload]);
  const now = useNow();
  const stormsOf = (name: string) => storms.data?.find((s) => s.alerter === name)?.storms ?? [];
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
            {stormsOf(name).map((s) => (
              <StormNote key={s.storm} storm={s} now={now} />
            ))}
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
