// One check: its state, last message, timings, spec, enable/disable, and its history: the
// cluster events about it (check-state events are its transitions), kept live.
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, apiUrl, auth, enc, getJson, getTypes } from '../api';
import { ErrorNote, Loading, Section, StatusBadge, Time, useAsync, useNow, usePageTitle } from '../components';
import { flappingTitle, localTime, ms, shortId, show, unreachableTitle } from '../format';
import { useLive, useRefetch } from '../live';
import { checkHref, href } from '../router';
import { useStore } from '../store';
import type { AckAnswer, AckMade, CheckState, EventEntry, Locations, MonitorSpec, TypesAnswer } from '../types';

const EVENTS_SCANNED = 1000;
const TIMING_FIELDS = ['interval', 'timeout', 'warning-threshold', 'critical-threshold'];
const REDACTED = '<redacted>';
// The statuses that open an incident, which can be acknowledged.
const FAILING = ['warning', 'critical'];

// The spec as written, and every field of the check's type that was not written (shown as
// "default"), in the order GET /api/v1/types lists them; [field, value, help].
function specRows(spec: MonitorSpec, types: TypesAnswer | undefined): [string, unknown, string][] {
  const type = types?.types.find((t) => t.name === spec.type);
  const help = new Map<string, string>();
  for (const f of [...(types?.['common-fields'] ?? []), ...(type?.fields ?? [])]) help.set(f.name, f.help);
  const rows: [string, unknown, string][] = Object.entries(spec)
    .filter(([k]) => !TIMING_FIELDS.includes(k))
    .map(([k, v]) => [k, v, help.get(k) ?? '']);
  for (const f of type?.fields ?? []) {
    if (!(f.name in spec)) rows.push([f.name, undefined, f.help]);
  }
  return rows;
}


// A push check's heartbeat as a job sends it (docs/api.md, "Push"). The token is shown only
// in the answer that created the check (GET gives "<redacted>"), so the line carries a
// placeholder.
function PushCommand({ name, onCopied }: { name: string; onCopied: (what: string) => void }) {
  const line = `curl -fsS -X POST "${apiUrl(`push/${enc(name)}`)}?token=<token>"`;
  const [copied, setCopied] = useState(false);
  const codeRef = useRef<HTMLElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(line);
      setCopied(true);
      onCopied('curl line copied');
      window.setTimeout(() => setCopied(false), 2000);
    } catch {
      // No clipboard (plain http other than localhost): select the line for Ctrl-C.
      const range = document.createRange();
      if (codeRef.current) range.selectNodeContents(codeRef.current);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
    }
  };
  return (
    <Section
      title="Push"
      actions={
        <button type="button" onClick={copy} aria-label="Copy the curl line">
          {copied ? 'Copied' : 'Copy'}
        </button>
      }
    >
      <p>A job reports in with (any member takes it):</p>
      <pre class="command">
        <code ref={codeRef} data-testid="push-command">
          {line}
        </code>
      </pre>
      <p class="muted small">
        Replace <code>&lt;token&gt;</code> with the check's push token: the <code>token</code> of its config,
        or, for a check created through the API without one, the token shown once in that answer (it is not
        shown again). Add <code>&amp;status=fail&amp;msg=...</code> when the job failed.
      </p>
    </Section>
  );
}

// "Silence for 1h / 4h / until …": a silence on exactly this check (docs/alerting.md).
function SilenceControls({ name, onMade }: { name: string; onMade: (what: string) => void }) {
  const authState = useStore(auth);
  const [until, setUntil] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const silence = async (body: Record<string, unknown>, what: string) => {
    setBusy(true);
    setError(null);
    try {
      await api('silence', { method: 'POST', body: { check: name, 'created-by': 'web UI', ...body } });
      onMade(what);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const off = busy || authState.readOnly;
  return (
    <div class="silence-actions">
      <span class="muted small">Silence notifications:</span>
      <button type="button" disabled={off} onClick={() => silence({ duration: '1h' }, `${name} silenced for 1 hour`)}>
        for 1 h
      </button>
      <button type="button" disabled={off} onClick={() => silence({ duration: '4h' }, `${name} silenced for 4 hours`)}>
        for 4 h
      </button>
      <label class="small">
        <span class="sr-only">Silence until</span>
        <input type="datetime-local" value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} />
      </label>
      <button
        type="button"
        disabled={off || !until}
        onClick={() => silence({ ends: new Date(until).toISOString().replace(/\.\d+Z$/, 'Z') }, `${name} silenced until ${until}`)}
      >
        until then
      </button>
      <ErrorNote error={error} />
    </div>
  );
}

// The check's open incident and its ack (GET /api/v1/ack/<check>); null: no open incident.
async function readAck(name: string): Promise<AckAnswer | null> {
  try {
    return await getJson<AckAnswer>(`ack/${enc(name)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      return null;
    }
    throw e;
  }
}

// An ack in force: the server said so when asked, and its end (if any) has not passed since.
function ackInForce(answer: AckAnswer | null | undefined, now: number): boolean {
  if (!answer?.acked || !answer.ack) {
    return false;
  }
  return answer.ack.expires === null || Date.parse(answer.ack.expires) > now;
}

function ackTitle(answer: AckAnswer): string {
  const ack = answer.ack!;
  const until = ack.expires ? `until ${localTime(ack.expires)}` : 'until the incident ends';
  return `acknowledged by ${ack.by || 'someone'} at ${localTime(ack.at)}${ack.comment ? `: ${ack.comment}` : ''} (${until})`;
}

// "Acknowledge" (until the incident ends) / "for 4 h", with a comment, and "Unacknowledge":
// the ack of the check's open incident, which stops its reminders and escalation.
function AckControls({ name, acked, onDone }: { name: string; acked: boolean; onDone: (what: string) => void }) {
  const authState = useStore(auth);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (call: () => Promise<unknown>, what: string) => {
    setBusy(true);
    setError(null);
    try {
      await call();
      onDone(what);
    } catch (e) {
      setError(e);
      onDone('');  // read the ack again: someone else may have changed it
    } finally {
      setBusy(false);
    }
  };
  const acknowledge = (body: Record<string, unknown>, what: string) =>
    run(async () => {
      const text = comment.trim();
      await api<AckMade>(`ack/${enc(name)}`, {
        method: 'POST',
        body: { 'created-by': 'web UI', ...(text ? { comment: text } : {}), ...body },
      });
      setComment('');
    }, what);
  const unacknowledge = () =>
    run(() => api(`ack/${enc(name)}`, { method: 'DELETE' }), `${name}: acknowledgement withdrawn`);
  const off = busy || authState.readOnly;
  return (
    <div class="ack-actions">
      <span class="muted small">Acknowledge the incident:</span>
      <label class="small">
        <span class="sr-only">Acknowledgement comment</span>
        <input
          type="text"
          placeholder="comment (optional)"
          maxLength={1024}
          value={comment}
          data-testid="ack-comment"
          onInput={(e) => setComment((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="button" data-testid="ack-button" disabled={off} onClick={() => acknowledge({}, `${name} acknowledged`)}>
        Acknowledge
      </button>
      <button
        type="button"
        data-testid="ack-4h-button"
        disabled={off}
        onClick={() => acknowledge({ duration: '4h' }, `${name} acknowledged for 4 hours`)}
      >
        Acknowledge for 4h
      </button>
      {acked && (
        <button type="button" data-testid="unack-button" disabled={off} onClick={unacknowledge}>
          Unacknowledge
        </button>
      )}
      <ErrorNote error={error} />
    </div>
  );
}

async function readState(name: string): Promise<CheckState | null> {
  // check= reads exactly this one (a point read, not a scan).
  const rows = await getJson<CheckState[]>(`state?check=${enc(name)}&limit=1`);
  return rows.find((r) => r.check === name) ?? null;
}

export function CheckPage({ name }: { name: string }) {
  usePageTitle(name);
  const now = useNow();
  const authState = useStore(auth);
  const spec = useAsync(() => getJson<MonitorSpec>(`monitor/${enc(name)}`), [name]);
  const types = useAsync(getTypes, []);
  const state = useAsync(() => readState(name), [name]);
  const events = useAsync(
    async () => (await getJson<EventEntry[]>(`event?limit=${EVENTS_SCANNED}`)).filter((e) => e.check === name),
    [name],
  );
  const [live, setLive] = useState<Partial<CheckState> | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [announce, setAnnounce] = useState('');

  const current: CheckState | null = state.data ? { ...state.data, ...(live ?? {}) } : null;
  // The locations' rows come from their replicas' keys, which the stream does not carry:
  // read again every few seconds while the page shows them.
  const located = state.data?.locations !== undefined;
  useEffect(() => {
    if (!located) return undefined;
    const timer = setInterval(() => state.reload(), LOCATIONS_POLL_MS);
    return () => clearInterval(timer);
  }, [located, name]);
  if (current && state.data?.disabled) {
    current.status = 'disabled';
  }
  // The ack is asked for while the check fails, again when its status changes.
  const failing = current !== null && FAILING.includes(current.status);
  const ack = useAsync(() => (failing ? readAck(name) : Promise.resolve(null)), [name, current?.status]);
  const acked = failing && ackInForce(ack.data, now);

  useLive((type, data) => {
    if (type === 'state' && data?.check === name) {
      const before = live?.status ?? state.data?.status;
      if (before && data.status && before !== data.status && !state.data?.disabled) {
        setAnnounce(`${name} is now ${data.status}`);
      }
      setLive(data);
    } else if (type === 'event' && data?.check === name) {
      events.reload();
    }
  });
  useRefetch(
    () => {
      state.reload();
      spec.reload();
      setLive(null);
    },
    (t, d) => (t === 'cluster' && d?.change === 'monitor' && String(d?.key ?? '').endsWith(`/${name}`)) || (t === 'state-deleted' && d?.check === name),
    1000,
  );
  useRefetch(events.reload, () => false);
  // An ack (from here, another browser or an alert's ack link) is announced as an event.
  useRefetch(ack.reload, (t, d) => t === 'event' && d?.check === name);

  const disabled = spec.data ? spec.data.disable === true : false;
  const toggle = async () => {
    setBusy(true);
    setActionError(null);
    try {
      await api(`monitor/${enc(name)}/${disabled ? 'enable' : 'disable'}`, { method: 'POST' });
      spec.reload();
      state.reload();
      setLive(null);
      setAnnounce(`${name} ${disabled ? 'enabled' : 'disabled'}`);
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };

  if (spec.error && !spec.data) {
    return (
      <>
        <p class="crumbs">
          <a href={href('checks')}>Checks</a> /
        </p>
        <h1>{name}</h1>
        <ErrorNote error={spec.error} retry={spec.reload} />
      </>
    );
  }

  const timing = spec.data ? TIMING_FIELDS.filter((f) => spec.data![f] !== undefined) : [];
  return (
    <>
      <p class="crumbs">
        <a href={href('checks')}>Checks</a> /
      </p>
      <div class="title-row">
        <h1>{name}</h1>
        <span aria-live="polite" data-testid="check-status">
          {current && <StatusBadge status={current.status} />}
        </span>
        {current?.['silenced-by'] && (
          <a class="badge badge-silenced" href={href('silences')} data-testid="check-silenced" title={`silence ${current['silenced-by']}`}>
            silenced
          </a>
        )}
        {current?.unreachable && (
          <a class="badge badge-unreachable" data-testid="check-unreachable" href={checkHref(current.unreachable)} title={unreachableTitle(current.unreachable)}>
            unreachable
          </a>
        )}
        {current?.flapping && (
          <span class="badge badge-flapping" data-testid="check-flapping" title={flappingTitle(current.history)}>
            flapping
          </span>
        )}
        {acked && (
          <span class="badge badge-acked" data-testid="check-acked" title={ackTitle(ack.data!)}>
            acked
          </span>
        )}
        <div class="spacer" />
        {spec.data && (
          <button
            type="button"
            class={disabled ? 'primary' : 'danger'}
            onClick={toggle}
            disabled={busy || authState.readOnly}
            aria-describedby={authState.readOnly ? 'ro-note' : undefined}
          >
            {busy ? 'Saving…' : disabled ? 'Enable check' : 'Disable check'}
          </button>
        )}
      </div>
      {authState.readOnly && (
        <p id="ro-note" class="muted small">
          Your token is read-only: enabling, disabling, silencing and acknowledging need a read-write token.
        </p>
      )}
      <p class="sr-only" role="status" aria-live="polite">
        {announce}
      </p>
      <ErrorNote error={actionError} />
      {spec.data && (
        <SilenceControls
          name={name}
          onMade={(what) => {
            setAnnounce(what);
            state.reload();
          }}
        />
      )}
      {failing && (
        <>
          <ErrorNote error={ack.error} retry={ack.reload} />
          <AckControls
            name={name}
            acked={acked}
            onDone={(what) => {
              if (what) {
                setAnnounce(what);
              }
              ack.reload();
            }}
          />
        </>
      )}
      {spec.data?.description ? <p class="lead">{String(spec.data.description)}</p> : null}
      <div class="grid-2">
        <Section title="State">
          <ErrorNote error={state.error} retry={state.reload} />
          {!current && !state.error && <Loading what="the state" />}
          {current && (
            <dl class="facts">
              <dt>Status</dt>
              <dd>
                <StatusBadge status={current.status} />
                {current.count !== undefined && <span class="muted"> after {current.count} result(s)</span>}
              </dd>
              <dt>Last result</dt>
              <dd>{current.result ?? '–'}</dd>
              <dt>Last message</dt>
              <dd class="msg" data-testid="check-message">{current.message || '–'}</dd>
              <dt>Updated</dt>
              <dd>
                <Time iso={current.date} /> {current.date && <span class="muted small">({localTime(current.date)})</span>}
              </dd>
              <dt>Duration</dt>
              <dd>{ms(current.duration_ms) || '–'}</dd>
              <dt>Owner</dt>
              <dd>
                {current.owner ? (
                  <a href={href('checks', undefined, { owner: current.owner })} title={current.owner}>
                    <code>{shortId(current.owner)}</code>
                  </a>
                ) : (
                  <span class="muted">none yet</span>
                )}
              </dd>
            </dl>
          )}
        </Section>
        <Section title="Timings">
          {!spec.data && <Loading what="the spec" />}
          {spec.data && (
            <dl class="facts">
              {timing.map((f) => (
                <Fragment key={f}>
                  <dt>{f}</dt>
                  <dd>{show(spec.data![f])}</dd>
                </Fragment>
              ))}
              {timing.length === 0 && <dd class="muted">defaults (docs/configs.md)</dd>}
            </dl>
          )}
        </Section>
      </div>
      {state.data?.locations && <LocationsSection locations={state.data.locations} />}
      {spec.data?.type === 'push' && <PushCommand name={name} onCopied={setAnnounce} />}
      <Section title="Spec">
        {spec.data && (
          <>
            <dl class="facts spec">
              {specRows(spec.data, types.data).map(([k, v, help]) => (
                <Fragment key={k}>
                  <dt title={help}>{k}</dt>
                  <dd>
                    {v === undefined ? (
                      <span class="muted">default</span>
                    ) : v === REDACTED ? (
                      <span class="redacted">redacted</span>
                    ) : (
                      <code>{show(v)}</code>
                    )}
                  </dd>
                </Fragment>
              ))}
            </dl>
            <details>
              <summary>As JSON</summary>
              <pre>{JSON.stringify(spec.data, null, 2)}</pre>
            </details>
          </>
        )}
      </Section>
      <Section title="History">
        <h3>Transitions and other cluster events about this check</h3>
        <ErrorNote error={events.error} retry={events.reload} />
        {events.data && events.data.length === 0 && (
          <p class="muted">None among the last {EVENTS_SCANNED} events.</p>
        )}
        {events.data && events.data.length > 0 && (
          <ul class="events">
            {events.data.map((e, i) => (
              <li key={`${e.timestamp}-${i}`} data-kind={e.kind}>
                <span class={`etype etype-${e.type}`}>{e.type}</span>
                <Time iso={e.timestamp} />
                {e.kind && <code class="kind">{e.kind}</code>}
                <span class="msg">{e.message}</span>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}

const LOCATIONS_POLL_MS = 5000;

// A check run from several locations: one row per location (docs/locations.md).
function LocationsSection({ locations }: { locations: Locations }) {
  const l = locations;
  return (
    <Section title="Locations">
      <p class="muted small" data-testid="locations-quorum">
        {l.failing} of {l.total} failing{l.unknown > 0 ? `, ${l.unknown} unknown` : ''}: {l['failing-locations']} failing
        raise it, {l['recovered-locations']} OK clear it.
      </p>
      <table class="responsive" data-testid="check-locations">
        <thead>
          <tr>
            <th scope="col">Location</th>
            <th scope="col">Status</th>
            <th scope="col">Member</th>
            <th scope="col">Last result</th>
            <th scope="col" class="num">Latency</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {l.rows.map((r) => (
            <tr key={r.location} data-testid="location-row">
              <td data-label="Location">{r.location || <span class="muted">(none)</span>}</td>
              <td data-label="Status">
                <StatusBadge status={r.status} />
              </td>
              <td data-label="Member">{r.member ? <code title={r.member}>{shortId(r.member)}</code> : <span class="muted">–</span>}</td>
              <td data-label="Last result">
                {r.result ?? '–'} {r.date && <Time iso={r.date} />}
              </td>
              <td data-label="Latency" class="num">
                {ms(r.duration_ms) || '–'}
              </td>
              <td data-label="Message" class="msg">
                {r.status === 'unknown' ? <span class="muted">{r.why}</span> : r.message || '–'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
