// Overview: counts by status (each a link to the filtered checks), the failing checks
// (critical first), and the cluster's health.
import { getJson } from '../api';
import { ErrorNote, Loading, Section, StatusBadge, Time, useAsync, useNow, usePageTitle } from '../components';
import { plural, shortId } from '../format';
import { useRefetch } from '../live';
import { checkHref, href } from '../router';
import type { CheckState, Cluster, Health, Summary } from '../types';
import { STATUSES } from '../types';

const FAILING_LIMIT = 50;

async function health(): Promise<Health> {
  // Open route, outside /api/v1: answers 500 with the reason when this member is unhealthy.
  const res = await fetch(new URL('../status/check', window.location.href), { cache: 'no-store' });
  return (await res.json()) as Health;
}

function Counts({ summary }: { summary: Summary }) {
  return (
    <ul class="counts" aria-label="Checks by status">
      <li>
        <a class="count count-total" href={href('checks')}>
          <span class="count-n">{summary.total.toLocaleString()}</span>
          <span class="count-label">checks</span>
        </a>
      </li>
      {STATUSES.map((s) => (
        <li key={s}>
          <a class={`count count-${s}`} href={href('checks', undefined, { status: s })} data-status={s}>
            <span class="count-n">{(summary.by_status[s] ?? 0).toLocaleString()}</span>
            <span class="count-label">{s}</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

function Breakdown({ title, counts, link }: { title: string; counts: Record<string, number>; link: string }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return (
    <div class="breakdown">
      <h3>{title}</h3>
      {entries.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <ul>
          {entries.slice(0, 10).map(([k, n]) => (
            <li key={k}>
              <a href={href('checks', undefined, { [link]: k })}>{k ? shortId(k) : '(none)'}</a>
              <span class="num">{n.toLocaleString()}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function OverviewPage() {
  usePageTitle('Overview');
  useNow();
  const summary = useAsync(() => getJson<Summary>('state/summary'), []);
  const failing = useAsync(
    () => getJson<CheckState[]>(`state?status=critical,warning&limit=${FAILING_LIMIT}`),
    [],
  );
  const cluster = useAsync(() => getJson<Cluster>('cluster'), []);
  const me = useAsync(health, []);
  useRefetch(
    () => {
      summary.reload();
      failing.reload();
    },
    (t) => t === 'state' || t === 'state-deleted' || t === 'cluster',
    5000,
  );
  useRefetch(
    () => {
      cluster.reload();
      me.reload();
    },
    (t) => t === 'cluster',
    2000,
  );

  const rows = [...(failing.data ?? [])].sort(
    (a, b) => (a.status === b.status ? a.check.localeCompare(b.check) : a.status === 'critical' ? -1 : 1),
  );
  const c = cluster.data;
  const members = c ? Object.values(c.Members) : [];
  const problems: string[] = [];
  if (c) {
    if (!c.Director) {
      problems.push('no director: checks are not being placed');
    }
    if (members.length === 0) {
      problems.push('no live members');
    }
    if (c.orphans > 0) {
      problems.push(`${plural(c.orphans, 'orphaned check')} (no member has its member-tag)`);
    }
  }
  if (me.data && me.data.status !== 'ok') {
    problems.push(`this member: ${me.data.status}`);
  }

  return (
    <>
      <h1>Overview</h1>
      <Section title="Checks">
        <ErrorNote error={summary.error} retry={summary.reload} />
        {summary.data ? <Counts summary={summary.data} /> : !summary.error && <Loading what="counts" />}
        {summary.data && (
          <div class="breakdowns">
            <Breakdown title="By type" counts={summary.data.by_type} link="type" />
            <Breakdown title="By owner" counts={summary.data.by_owner} link="owner" />
          </div>
        )}
      </Section>
      <div class="grid-2">
        <Section
          title="Failing checks"
          actions={
            <a href={href('checks', undefined, { status: 'critical,warning' })}>All failing checks</a>
          }
        >
          <ErrorNote error={failing.error} retry={failing.reload} />
          {failing.data === undefined && !failing.error && <Loading what="failing checks" />}
          {failing.data !== undefined && rows.length === 0 && (
            <p class="ok-note">Nothing is failing.</p>
          )}
          {rows.length > 0 && (
            <ul class="failing" aria-label="Failing checks, critical first">
              {rows.map((r) => (
                <li key={r.check}>
                  <StatusBadge status={r.status} />
                  <a href={checkHref(r.check)} class="name">
                    {r.check}
                  </a>
                  <span class="msg">{r.message}</span>
                  <Time iso={r.date} />
                </li>
              ))}
            </ul>
          )}
          {rows.length === FAILING_LIMIT && (
            <p class="muted small">The first {FAILING_LIMIT} by name; the checks page lists all.</p>
          )}
        </Section>
        <Section title="Cluster health" actions={<a href={href('cluster')}>Cluster</a>}>
          <ErrorNote error={cluster.error} retry={cluster.reload} />
          {!c && !cluster.error && <Loading what="the cluster" />}
          {c && (
            <>
              <p class={problems.length ? 'warn-note' : 'ok-note'} data-testid="cluster-health">
                {problems.length ? problems.join('; ') : 'Healthy: a director, every check placed.'}
              </p>
              <dl class="facts">
                <dt>Members</dt>
                <dd>{members.length}</dd>
                <dt>Director</dt>
                <dd>
                  {c.Director ? (
                    <>
                      <code>{shortId(c.Director.MemberID)}</code> since <Time iso={c.Director.since} />
                    </>
                  ) : (
                    'none'
                  )}
                </dd>
                <dt>Assigned checks</dt>
                <dd>{c.checks.toLocaleString()}</dd>
                <dt>Orphans</dt>
                <dd>{c.orphans}</dd>
                <dt>This member</dt>
                <dd>
                  {me.data ? (
                    <>
                      <StatusBadge status={me.data.status === 'ok' ? 'ok' : 'critical'} />{' '}
                      {me.data.status === 'ok' ? me.data.message : me.data.status}
                    </>
                  ) : (
                    '…'
                  )}
                </dd>
              </dl>
            </>
          )}
        </Section>
      </div>
    </>
  );
}
