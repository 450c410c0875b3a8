// Events: the cluster event log, newest first; new events arrive live from the stream.
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api';
import { ErrorNote, Loading, Time, useAsync, useNow, usePageTitle } from '../components';
import { localTime, shortId } from '../format';
import { useLive, useRefetch } from '../live';
import { checkHref, replaceQuery } from '../router';
import type { EventEntry } from '../types';

const TYPES = ['info', 'warning', 'error'];
const LIMIT = 200;

export function EventsPage({ query }: { query: URLSearchParams }) {
  usePageTitle('Events');
  useNow();
  const type = query.get('type') ?? '';
  const list = useAsync(
    () => getJson<EventEntry[]>(`event?limit=${LIMIT}${type ? `&type=${encodeURIComponent(type)}` : ''}`),
    [type],
  );
  const [fresh, setFresh] = useState<EventEntry[]>([]);
  useEffect(() => setFresh([]), [list.data]);
  useLive((t, data) => {
    if (t === 'event' && data && (!type || data.type === type || data.kind === type)) {
      setFresh((f) => [data as EventEntry, ...f].slice(0, LIMIT));
    }
  });
  useRefetch(list.reload, () => false);
  const rows = [...fresh, ...(list.data ?? [])].slice(0, LIMIT);
  return (
    <>
      <h1>Events</h1>
      <form class="filters card" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="e-type">Type</label>
          <select id="e-type" value={type} onChange={(e) => replaceQuery('events', { type: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <p class="muted small grow" role="status" aria-live="polite">
          {fresh.length ? `${fresh.length} new since this page opened` : `The newest ${LIMIT}; new ones appear at the top.`}
        </p>
      </form>
      <div class="card">
        <ErrorNote error={list.error} retry={list.reload} />
        {!list.data && !list.error && <Loading what="events" />}
        {list.data && rows.length === 0 && <p class="muted">No events.</p>}
        {rows.length > 0 && (
          <ol class="events" data-testid="events" aria-label="Events, newest first">
            {rows.map((e, i) => (
              <li key={`${e.timestamp}-${e.memberid}-${i}`} class={i < fresh.length ? 'fresh' : undefined}>
                <span class={`etype etype-${e.type}`}>{e.type}</span>
                <Time iso={e.timestamp} />
                {e.kind && <code class="kind">{e.kind}</code>}
                <span class="msg">{e.message}</span>
                <span class="meta muted small">
                  {e.check && (
                    <>
                      check <a href={checkHref(e.check)}>{e.check}</a>{' '}
                    </>
                  )}
                  by <code title={`${e.memberid} at ${localTime(e.timestamp)}`}>{shortId(e.memberid)}</code>
                </span>
              </li>
            ))}
          </ol>
        )}
      </div>
    </>
  );
}
