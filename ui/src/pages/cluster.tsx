// Cluster: the members (location, tags, checks each runs), the director, orphaned checks,
// health.
import { ErrorNote, Loading, Section, StatusBadge, Time, useAsync, useNow, usePageTitle } from '../components';
import { getJson } from '../api';
import { plural } from '../format';
import { useRefetch } from '../live';
import { checkHref, href } from '../router';
import type { Cluster, Health, Orphans } from '../types';

export function ClusterPage() {
  usePageTitle('Cluster');
  useNow();
  const cluster = useAsync(() => getJson<Cluster>('cluster'), []);
  const orphans = useAsync(() => getJson<Orphans>('orphans'), []);
  const me = useAsync(async () => {
    const res = await fetch(new URL('../status/check', window.location.href), { cache: 'no-store' });
    return (await res.json()) as Health;
  }, []);
  useRefetch(
    () => {
      cluster.reload();
      orphans.reload();
      me.reload();
    },
    (t) => t === 'cluster',
    1500,
  );
  const c = cluster.data;
  const members = c ? Object.values(c.Members).sort((a, b) => a.id.localeCompare(b.id)) : [];
  const thisId = me.data?.message.replace(/^MemberID /, '');
  return (
    <>
      <h1>Cluster</h1>
      <ErrorNote error={cluster.error} retry={cluster.reload} />
      {!c && !cluster.error && <Loading what="the cluster" />}
      {c && (
        <Section title="Health">
          <ul class="counts" aria-label="Cluster figures">
            <li>
              <span class="count">
                <span class="count-n">{members.length}</span>
                <span class="count-label">{members.length === 1 ? 'member' : 'members'}</span>
              </span>
            </li>
            <li>
              <span class={`count ${c.Director ? 'count-ok' : 'count-critical'}`}>
                <span class="count-n">{c.Director ? '1' : '0'}</span>
                <span class="count-label">director</span>
              </span>
            </li>
            <li>
              <span class="count">
                <span class="count-n">{c.checks.toLocaleString()}</span>
                <span class="count-label">assigned checks</span>
              </span>
            </li>
            <li>
              <span class={`count ${c.orphans ? 'count-warning' : 'count-ok'}`}>
                <span class="count-n">{c.orphans}</span>
                <span class="count-label">orphans</span>
              </span>
            </li>
          </ul>
          {me.data && (
            <p class={me.data.status === 'ok' ? 'ok-note' : 'warn-note'}>
              The member serving this page{thisId ? <> (<code>{thisId}</code>)</> : null}:{' '}
              {me.data.status === 'ok' ? 'healthy' : me.data.status}.
            </p>
          )}
        </Section>
      )}
      {c && (
        <Section title="Members">
          {members.length === 0 ? (
            <p class="warn-note">No live members.</p>
          ) : (
            <div class="table-wrap">
              <table class="responsive" data-testid="members">
                <caption class="sr-only">Live members (each holds a lease in etcd)</caption>
                <thead>
                  <tr>
                    <th scope="col">Member</th>
                    <th scope="col">Role</th>
                    <th scope="col">Host</th>
                    <th scope="col">Listen</th>
                    <th scope="col">Location</th>
                    <th scope="col">Tags</th>
                    <th scope="col">Health</th>
                    <th scope="col" class="num">Checks</th>
                    <th scope="col">Version</th>
                    <th scope="col">Started</th>
                  </tr>
                </thead>
                <tbody>
                  {members.map((m) => (
                    <tr key={m.id} data-member={m.id}>
                      <td data-label="Member">
                        <code>{m.id}</code>
                        {m.id === thisId && <span class="muted small"> (this one)</span>}
                      </td>
                      <td data-label="Role">
                        {c.Director?.MemberID === m.id ? (
                          <span class="badge badge-director">director</span>
                        ) : (
                          'member'
                        )}
                        {m.degraded && (
                          <>
                            {' '}
                            <span
                              class="badge badge-unreachable"
                              data-testid="member-degraded"
                              title="Every one of its canaries fails: its failures are held and its checks run elsewhere"
                            >
                              degraded
                            </span>
                          </>
                        )}
                      </td>
                      <td data-label="Host">{m.hostname}</td>
                      <td data-label="Listen">
                        <code>{m.listen}</code>
                      </td>
                      <td data-label="Location" data-testid="member-location">
                        {m.location ? <span class="tag">{m.location}</span> : <span class="muted">–</span>}
                      </td>
                      <td data-label="Tags">
                        {m.tags.length ? m.tags.map((t) => <span class="tag" key={t}>{t}</span>) : <span class="muted">–</span>}
                      </td>
                      <td data-label="Health">
                        {m.id === thisId && me.data ? (
                          <span title="this member's /status/check">
                            <StatusBadge status={me.data.status === 'ok' ? 'ok' : 'critical'} />
                            {me.data.status === 'ok' ? '' : ` ${me.data.status}`}
                          </span>
                        ) : (
                          <span title="its member record lives on a lease it renews: listed means alive">
                            <StatusBadge status="ok" /> <span class="muted small">lease alive</span>
                          </span>
                        )}
                      </td>
                      <td data-label="Checks" class="num">
                        <a href={href('checks', undefined, { owner: m.id })}>{m.checks.toLocaleString()}</a>
                      </td>
                      <td data-label="Version" class="small">
                        {m.version}
                      </td>
                      <td data-label="Started">
                        <Time iso={m.started} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {c.Director && (
            <p class="muted small">
              Director since <Time iso={c.Director.since} />: it places checks on members (rendezvous hashing, member-tags).
            </p>
          )}
        </Section>
      )}
      <Section title="Orphaned checks">
        <ErrorNote error={orphans.error} retry={orphans.reload} />
        {orphans.data && orphans.data.count === 0 && <p class="ok-note">None: every enabled check has a member that may run it.</p>}
        {orphans.data && orphans.data.count > 0 && (
          <>
            <p class="warn-note">
              {plural(orphans.data.count, 'check')} cannot run: no live member has its member-tag.
            </p>
            <ul class="plain" data-testid="orphans">
              {orphans.data.orphans.map((o) => (
                <li key={o.check}>
                  <a href={checkHref(o.check)}>{o.check}</a> <span class="muted">needs tag</span>{' '}
                  <span class="tag">{o['member-tag']}</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </Section>
    </>
  );
}
