// Checks: a page of GET /api/v1/state at a time (server-side filters and `limit`/`after`
// paging: never the whole list, so it stays fast with 100,000 checks). Filters live in the
// hash (#/checks?status=critical&tag=db), so a filtered view can be linked to. Sorting orders
// the rows of the page on screen; pages follow name order. "Silence these for 1h / 4h" makes
// one silence covering exactly the checks the filters select (silenceOfFilters()).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, auth, getJson, getTypes } from '../api';
import { ErrorNote, Loading, StatusBadge, Time, useAsync, useNow, usePageTitle } from '../components';
import { flappingTitle, ms, shortId, unreachableTitle } from '../format';
import { useLive, useRefetch } from '../live';
import { checkHref, href, replaceQuery } from '../router';
import { useStore } from '../store';
import type { CheckState, Cluster, Silence } from '../types';
import { STATUSES } from '../types';

const PAGE_SIZES = [25, 50, 100, 250, 500];
const DEFAULT_SIZE = 50;
const FILTERS = ['name', 'status', 'type', 'tag', 'owner'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

// The cursors of the pages before this one, per filter set (kept while the tab lives).
const previous = new Map<string, string[]>();

type SortKey = 'check' | 'status' | 'type' | 'owner' | 'count' | 'date' | 'duration_ms';
const STATUS_ORDER: Record<string, number> = {
  critical: 0,
  warning: 1,
  orphaned: 2,
  pending: 3,
  ok: 4,
  disabled: 5,
};

function compare(a: CheckState, b: CheckState, key: SortKey): number {
  switch (key) {
    case 'status':
      return (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9);
    case 'count':
    case 'duration_ms':
      return (a[key] ?? -1) - (b[key] ?? -1);
    case 'date':
      return (a.date ?? '').localeCompare(b.date ?? '');
    default:
      return (a[key] ?? '').localeCompare(b[key] ?? '');
  }
}

// The server's list parameters (src/api/request.cc splitList): split at commas, each item
// trimmed of " \t\r\n", empty items dropped.
function splitList(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, ''))
    .filter(Boolean);
}

// A silence's `check` is an fnmatch glob with FNM_NOESCAPE (src/store/silence.cc): a backslash
// quotes nothing, but a one-character bracket expression does: `[*]`, `[?]`, `[[]` each match
// that character only (`]`, `!`, `-` and `\` are literal outside brackets).
export function globLiteral(text: string): string {
  return text.replace(/[*?[]/g, (c) => `[${c}]`);
}

const SILENCE_MAX_NAME = 256;  // bytes of `check` (store::Silence::kMaxName)

// The silence covering exactly the checks GET /api/v1/state selects with these filters
// (src/api/v1/state_routes.cc StateFilter), or why there is none:
// - name: a substring (case-sensitive, not trimmed) -> check `*<name>*`, metacharacters
//   quoted (globLiteral);
// - type: any of a comma list -> the silence's one `type` (more than one: refused);
// - tag: the check has any of a comma list -> the silence's `tags` (all of them): the same only
//   for one tag (more: refused);
// - status changes while the silence lasts, and owner is a member, not a member-tag: neither
//   can be a silence (refused).
// null: no filter at all (silencing everything is the Silences page's `check: "*"`).
export type FilterSilence =
  | { body: { check?: string; type?: string; tags?: string[] }; words: string }
  | { blocked: string };
export function silenceOfFilters(f: Filters): FilterSilence | null {
  const types = splitList(f.type);
  const tags = splitList(f.tag);
  const statuses = splitList(f.status);
  if (!f.name && types.length === 0 && tags.length === 0 && statuses.length === 0 && !f.owner) {
    return null;
  }
  const other = 'Silence by name, type or tag instead (clear the status and owner filters).';
  if (statuses.length > 0) {
    return { blocked: `A silence cannot follow a status: the checks that are ${statuses.join(' or ')} change while it lasts. ${other}` };
  }
  if (f.owner) {
    return { blocked: `A silence cannot match the member that runs a check (owner): checks move between members. ${other}` };
  }
  if (types.length > 1) {
    return { blocked: `A silence matches one type; this filter takes any of ${types.join(', ')}: filter by one type (one silence per type).` };
  }
  if (tags.length > 1) {
    return {
      blocked: `The tag filter selects checks with any of ${tags.join(', ')}, but a silence's tags must all be on the check: filter by one tag (one silence per tag).`,
    };
  }
  const body: { check?: string; type?: string; tags?: string[] } = {};
  const words: string[] = [];
  if (f.name) {
    body.check = `*${globLiteral(f.name)}*`;
    if (new TextEncoder().encode(body.check).length > SILENCE_MAX_NAME) {
      return { blocked: `The name filter is too long for a silence (its glob is at most ${SILENCE_MAX_NAME} bytes); no check name is that long.` };
    }
    words.push(`whose name contains '${f.name}'`);
  }
  if (types.length === 1) {
    body.type = types[0];
    words.push(`of type ${types[0]}`);
  }
  if (tags.length === 1) {
    body.tags = tags;
    words.push(`tagged ${tags[0]}`);
  }
  return { body, words: `checks ${words.join(', ')}` };
}

const SILENCE_SPANS = [
  { duration: '1h', words: '1 hour' },
  { duration: '4h', words: '4 hours' },
] as const;

// "Silence these for 1h / 4h", a confirm step saying what the silence covers, then the POST.
// shown: the checks on the first page (null on a later one), more: whether a next page follows.
function SilenceFiltered({
  filters,
  shown,
  more,
  onMade,
}: {
  filters: Filters;
  shown: number | null;
  more: boolean;
  onMade: () => void;
}) {
  const authState = useStore(auth);
  const plan = silenceOfFilters(filters);
  const planKey = JSON.stringify(plan);
  const [asking, setAsking] = useState<(typeof SILENCE_SPANS)[number] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [made, setMade] = useState<{ id: string; what: string } | null>(null);
  // Another filter: another silence (a question asked and the last answer are void).
  useEffect(() => {
    setAsking(null);
    setError(null);
    setMade(null);
  }, [planKey]);
  if (plan === null) {
    return null;
  }
  const blocked = 'blocked' in plan ? plan.blocked : '';
  const off = busy || authState.readOnly;
  const why = blocked || (authState.readOnly ? 'Your token is read-only: silencing needs a read-write token.' : '');
  const silence = async () => {
    if (!asking || 'blocked' in plan) return;
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ silence: Silence }>('silence', {
        method: 'POST',
        body: {
          ...plan.body,
          duration: asking.duration,
          comment: `from the checks list: ${plan.words}`,
          'created-by': 'web UI',
        },
      });
      setMade({ id: res.data.silence.id, what: `${plan.words} silenced for ${asking.words}` });
      setAsking(null);
      onMade();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const matching =
    shown === null
      ? ''
      : shown === 0
        ? 'No check matches now; it also covers any that match while it lasts.'
        : `${more ? 'More than ' : ''}${shown.toLocaleString()} check${shown === 1 && !more ? '' : 's'} match${shown === 1 && !more ? 'es' : ''} now (every page, not only this one).`;
  return (
    <div class="card silence-filtered">
      <div class="silence-actions">
        {SILENCE_SPANS.map((span) => (
          <button
            key={span.duration}
            type="button"
            data-testid={`silence-filtered-${span.duration}`}
            disabled={off || blocked !== ''}
            title={why || `Silence the notifications of the checks these filters select for ${span.words}`}
            aria-describedby={why ? 'silence-filtered-why' : undefined}
            onClick={() => {
              setMade(null);
              setAsking(span);
            }}
          >
            Silence these for {span.duration}
          </button>
        ))}
      </div>
      {why && (
        <p id="silence-filtered-why" class="muted small" data-testid="silence-filtered-why">
          {why}
        </p>
      )}
      {asking && !('blocked' in plan) && (
        <div class="silence-confirm" role="group" aria-label="Confirm the silence">
          <p>
            Silence {plan.words} for {asking.words}? <span class="muted small">{matching}</span>
          </p>
          <div class="silence-actions">
            <button type="button" class="primary" data-testid="silence-filtered-confirm" disabled={off} onClick={silence}>
              {busy ? 'Saving…' : `Silence for ${asking.words}`}
            </button>
            <button type="button" disabled={busy} onClick={() => setAsking(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <ErrorNote error={error} />
      {made && (
        <p class="ok-note" role="status" data-testid="silence-filtered-made">
          Silence <code>{made.id}</code> made: {made.what}. <a href={href('silences')}>See the Silences page</a> to end it.
        </p>
      )}
    </div>
  );
}

function SortHeader({
  label,
  k,
  sort,
  setSort,
  className,
}: {
  label: string;
  k: SortKey;
  sort: { key: SortKey; desc: boolean };
  setSort: (s: { key: SortKey; desc: boolean }) => void;
  className?: string;
}) {
  const active = sort.key === k;
  return (
    <th scope="col" aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'} class={className}>
      <button
        type="button"
        class="sort"
        onClick={() => setSort({ key: k, desc: active ? !sort.desc : false })}
        title={`Sort this page by ${label.toLowerCase()}`}
      >
        {label}
        <span aria-hidden="true" class="sort-mark">
          {active ? (sort.desc ? ' ▼' : ' ▲') : ''}
        </span>
      </button>
    </th>
  );
}

export function ChecksPage({ query }: { query: URLSearchParams }) {
  usePageTitle('Checks');
  useNow();
  const filters: Filters = {
    name: query.get('name') ?? '',
    status: query.get('status') ?? '',
    type: query.get('type') ?? '',
    tag: query.get('tag') ?? '',
    owner: query.get('owner') ?? '',
  };
  const size = Number(query.get('limit')) || DEFAULT_SIZE;
  const after = query.get('after') ?? '';
  const filterKey = JSON.stringify([filters, size]);

  const setQuery = (patch: Partial<Filters & { limit: string; after: string }>) => {
    const next: Record<string, string> = { ...filters, limit: size === DEFAULT_SIZE ? '' : String(size), after };
    Object.assign(next, patch);
    if (!('after' in patch)) {
      next.after = '';  // a new filter starts at the first page
    }
    replaceQuery('checks', next);
  };

  // The search box updates the hash 300 ms after the last key.
  const [nameInput, setNameInput] = useState(filters.name);
  useEffect(() => setNameInput(filters.name), [filters.name]);
  useEffect(() => {
    if (nameInput === filters.name) {
      return;
    }
    const t = window.setTimeout(() => setQuery({ name: nameInput }), 300);
    return () => window.clearTimeout(t);
  }, [nameInput]);

  const members = useAsync(() => getJson<Cluster>('cluster'), []);
  const types = useAsync(getTypes, []);
  const page = useAsync(async () => {
    const p = new URLSearchParams({ limit: String(size) });
    if (filters.name) p.set('name', filters.name);
    if (filters.status) p.set('status', filters.status);
    if (filters.type) p.set('type', filters.type);
    if (filters.tag) p.set('tags', filters.tag);
    if (filters.owner) p.set('owner', filters.owner);
    if (after) p.set('after', after);
    const res = await api<CheckState[]>(`state?${p}`);
    return { rows: res.data, next: res.headers.get('X-Next-After') ?? '' };
  }, [filterKey, after]);

  // Live: a state message patches its row at once; the page is read again soon after (a row
  // may now match the filter or not).
  const [patched, setPatched] = useState<Record<string, Partial<CheckState>>>({});
  useEffect(() => setPatched({}), [page.data]);
  useLive((type, data) => {
    if (type === 'state' && data?.check && page.data?.rows.some((r) => r.check === data.check)) {
      setPatched((p) => ({ ...p, [data.check]: data }));
    }
  });
  // A row on screen is patched in place; the page is read again only when a state message
  // may move a row into or out of a status-filtered view (with 100,000 checks most messages
  // need no read at all).
  const wanted = filters.status ? filters.status.split(',') : [];
  useRefetch(
    page.reload,
    (t, d) =>
      t === 'state-deleted' ||
      (t === 'cluster' && d?.change === 'monitor') ||
      (t === 'state' &&
        wanted.length > 0 &&
        (page.data?.rows.some((r) => r.check === d?.check) === true || wanted.includes(d?.status))),
    5000,
  );

  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'check', desc: false });
  const rows = useMemo(() => {
    const list = (page.data?.rows ?? []).map((r) => {
      const p = patched[r.check];
      // A disabled check stays "disabled" whatever its last state says.
      return p ? { ...r, ...p, status: r.disabled ? 'disabled' : (p.status ?? r.status) } : r;
    });
    list.sort((a, b) => (sort.desc ? -1 : 1) * compare(a, b, sort.key) || a.check.localeCompare(b.check));
    return list;
  }, [page.data, patched, sort]);

  const prevStack = previous.get(filterKey) ?? [];
  const goNext = () => {
    if (!page.data?.next) return;
    previous.set(filterKey, [...prevStack, after]);
    setQuery({ after: page.data.next });
  };
  const goPrev = () => {
    const stack = [...prevStack];
    const back = stack.pop() ?? '';
    previous.set(filterKey, stack);
    setQuery({ after: back });
  };
  const firstRow = prevStack.length * size + 1;
  const anyFilter = FILTERS.some((f) => filters[f]);

  return (
    <>
      <h1>Checks</h1>
      <form class="filters card" role="search" aria-label="Filter checks" onSubmit={(e) => e.preventDefault()}>
        <div class="field grow">
          <label for="f-name">Name contains</label>
          <input
            id="f-name"
            type="search"
            value={nameInput}
            placeholder="e.g. web"
            onInput={(e) => setNameInput((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') setQuery({ name: nameInput });
            }}
          />
        </div>
        <div class="field">
          <label for="f-status">Status</label>
          <select id="f-status" value={filters.status} onChange={(e) => setQuery({ status: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            <option value="critical,warning">failing (critical or warning)</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-type">Type</label>
          <select id="f-type" value={filters.type} onChange={(e) => setQuery({ type: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            {(types.data?.types ?? []).map((t) => (
              <option key={t.name} value={t.name} title={t.summary}>
                {t.name}
              </option>
            ))}
            {filters.type && !types.data?.types.some((t) => t.name === filters.type) && (
              <option value={filters.type}>{filters.type}</option>
            )}
          </select>
        </div>
        <div class="field">
          <label for="f-tag">Tag</label>
          <input
            id="f-tag"
            type="text"
            value={filters.tag}
            placeholder="any"
            onChange={(e) => setQuery({ tag: (e.target as HTMLInputElement).value.trim() })}
          />
        </div>
        <div class="field">
          <label for="f-owner">Owner</label>
          <select id="f-owner" value={filters.owner} onChange={(e) => setQuery({ owner: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            {Object.values(members.data?.Members ?? {}).map((m) => (
              <option key={m.id} value={m.id}>
                {shortId(m.id)} ({m.hostname})
              </option>
            ))}
            {filters.owner && !members.data?.Members[filters.owner] && <option value={filters.owner}>{shortId(filters.owner)}</option>}
          </select>
        </div>
        <div class="field">
          <label for="f-size">Per page</label>
          <select id="f-size" value={String(size)} onChange={(e) => setQuery({ limit: (e.target as HTMLSelectElement).value })}>
            {(PAGE_SIZES.includes(size) ? PAGE_SIZES : [...PAGE_SIZES, size].sort((a, b) => a - b)).map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </div>
        {anyFilter && (
          <button type="button" class="clear" onClick={() => replaceQuery('checks', {})}>
            Clear filters
          </button>
        )}
      </form>
      <SilenceFiltered
        filters={filters}
        shown={page.data && !after ? page.data.rows.length : null}
        more={!!page.data?.next}
        onMade={page.reload}
      />
      <div class="card">
        <ErrorNote error={page.error} retry={page.reload} />
        {!page.data && !page.error && <Loading what="checks" />}
        {page.data && (
          <>
            <p class="muted small" role="status" aria-live="polite" data-testid="checks-range">
              {rows.length === 0
                ? anyFilter
                  ? 'No check matches these filters.'
                  : 'No checks yet: push some with `9volt cfg` or POST /api/v1/monitor.'
                : `Checks ${firstRow.toLocaleString()}–${(firstRow + rows.length - 1).toLocaleString()}${page.data.next ? ', more on the next pages' : ''}`}
              {/* not announced: it flickers on every live refresh */}
              <span aria-hidden="true">{page.loading ? ' (updating…)' : ''}</span>
            </p>
            {rows.length > 0 && (
              <div class="table-wrap">
                <table class="checks responsive">
                  <caption class="sr-only">Checks, sortable by column (sorts this page)</caption>
                  <thead>
                    <tr>
                      <SortHeader label="Name" k="check" sort={sort} setSort={setSort} />
                      <SortHeader label="Status" k="status" sort={sort} setSort={setSort} />
                      <SortHeader label="Type" k="type" sort={sort} setSort={setSort} />
                      <SortHeader label="Owner" k="owner" sort={sort} setSort={setSort} />
                      <th scope="col">Tags</th>
                      <SortHeader label="Count" k="count" sort={sort} setSort={setSort} className="num" />
                      <th scope="col">Message</th>
                      <SortHeader label="Duration" k="duration_ms" sort={sort} setSort={setSort} className="num" />
                      <SortHeader label="Updated" k="date" sort={sort} setSort={setSort} />
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.check} data-check={r.check} data-status={r.status}>
                        <td data-label="Name" class="name">
                          <a href={checkHref(r.check)}>{r.check}</a>
                        </td>
                        <td data-label="Status">
                          <StatusBadge status={r.status} />
                          {r.locations && (
                            <>
                              {' '}
                              <span
                                class={`badge ${r.locations.failing > 0 ? 'badge-locations-failing' : 'badge-locations'}`}
                                data-testid="locations-badge"
                                title={`${r.locations.failing} of ${r.locations.total} locations failing; ${r.locations['failing-locations']} raise it`}
                              >
                                {r.locations.failing}/{r.locations.total} failing
                              </span>
                            </>
                          )}
                          {r.unreachable && (
                            <>
                              {' '}
                              <a class="badge badge-unreachable" href={checkHref(r.unreachable)} title={unreachableTitle(r.unreachable)}>
                                unreachable
                              </a>
                            </>
                          )}
                          {r.flapping && (
                            <>
                              {' '}
                              <span class="badge badge-flapping" title={flappingTitle(r.history)}>
                                flapping
                              </span>
                            </>
                          )}
                          {r['silenced-by'] && (
                            <>
                              {' '}
                              <a class="badge badge-silenced" href={href('silences')} title={`silence ${r['silenced-by']}`}>
                                silenced
                              </a>
                            </>
                          )}
                        </td>
                        <td data-label="Type">{r.type}</td>
                        <td data-label="Owner">
                          {r.owner ? <code title={r.owner}>{shortId(r.owner)}</code> : <span class="muted">–</span>}
                        </td>
                        <td data-label="Tags">
                          {r.tags.map((t) => (
                            <span class="tag" key={t}>
                              {t}
                            </span>
                          ))}
                        </td>
                        <td data-label="Count" class="num">
                          {r.count ?? ''}
                        </td>
                        <td data-label="Message" class="msg">
                          {r.message}
                        </td>
                        <td data-label="Duration" class="num">
                          {ms(r.duration_ms)}
                        </td>
                        <td data-label="Updated">
                          <Time iso={r.date} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <nav class="pager" aria-label="Pages">
              <button type="button" onClick={goPrev} disabled={!after}>
                ← Previous
              </button>
              <button type="button" onClick={goNext} disabled={!page.data.next}>
                Next →
              </button>
            </nav>
          </>
        )}
      </div>
    </>
  );
}
