// Silences (docs/alerting.md "Silences"): what is held back and until when, a form to make
// one, and a button to end one. Checks keep running while silenced; only notifications wait.
import { useState } from 'preact/hooks';
import { api, auth, enc, getJson } from '../api';
import { ErrorNote, Loading, useAsync, useNow, usePageTitle } from '../components';
import { localTime, timeFromNow } from '../format';
import { useRefetch } from '../live';
import { useStore } from '../store';
import type { Silence } from '../types';

// What a silence covers, in words.
export function coverage(s: Silence): string {
  const parts: string[] = [];
  if (s.check) parts.push(`checks ${s.check}`);
  if (s.tags?.length) parts.push(`tagged ${s.tags.join(' and ')}`);
  if (s.type) parts.push(`of type ${s.type}`);
  if (s['member-tag']) parts.push(`with member-tag ${s['member-tag']}`);
  return parts.join(', ') || 'nothing';
}

export function NewSilenceForm({ onMade }: { onMade: () => void }) {
  const authState = useStore(auth);
  const [check, setCheck] = useState('');
  const [tags, setTags] = useState('');
  const [duration, setDuration] = useState('1h');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body: Record<string, unknown> = { duration, comment, 'created-by': 'web UI' };
    if (check.trim()) body.check = check.trim();
    const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
    if (tagList.length) body.tags = tagList;
    try {
      await api('silence', { method: 'POST', body });
      setCheck('');
      setTags('');
      setComment('');
      onMade();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card silence-form" onSubmit={submit} aria-labelledby="new-silence">
      <h2 id="new-silence">New silence</h2>
      <label>
        Checks (a name or a glob like <code>web-*</code>)
        <input value={check} onInput={(e) => setCheck((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Tags (all of them, comma separated)
        <input value={tags} onInput={(e) => setTags((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        For
        <input value={duration} onInput={(e) => setDuration((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Comment
        <input value={comment} onInput={(e) => setComment((e.target as HTMLInputElement).value)} />
      </label>
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy || authState.readOnly}>
        {busy ? 'Saving…' : 'Silence'}
      </button>
    </form>
  );
}

export function SilencesPage() {
  usePageTitle('Silences');
  useNow();
  const authState = useStore(auth);
  const list = useAsync(() => getJson<Silence[]>('silence'), []);
  const windows = useAsync(() => getJson<Record<string, Record<string, unknown>>>('maintenance'), []);
  useRefetch(list.reload, (t, d) => t === 'cluster' && d?.change === 'silence', 500);
  useRefetch(windows.reload, (t, d) => t === 'cluster' && d?.change === 'maintenance', 1000);
  const [error, setError] = useState<unknown>(null);
  const end = async (id: string) => {
    setError(null);
    try {
      await api(`silence/${enc(id)}`, { method: 'DELETE' });
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <h1>Silences</h1>
      <p class="muted">
        Checks keep running while silenced; their notifications wait, and what is still true when the silence
        ends is sent then.
      </p>
      <NewSilenceForm onMade={list.reload} />
      <ErrorNote error={list.error ?? error} retry={list.reload} />
      {!list.data && !list.error && <Loading what="silences" />}
      {list.data && list.data.length === 0 && <p class="card muted">No silences.</p>}
      {list.data && list.data.length > 0 && (
        <table class="silences">
          <thead>
            <tr>
              <th scope="col">Covers</th>
              <th scope="col">State</th>
              <th scope="col">Ends</th>
              <th scope="col">Comment</th>
              <th scope="col">By</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((s) => (
              <tr key={s.id} data-silence={s.id}>
                <td>{coverage(s)}</td>
                <td>
                  <span class={`badge badge-${s.state === 'active' ? 'silenced' : 'disabled'}`}>{s.state}</span>
                </td>
                <td>
                  <time dateTime={s.ends} title={localTime(s.ends)}>
                    {timeFromNow(s.ends)}
                  </time>
                </td>
                <td>{s.comment || <span class="muted">–</span>}</td>
                <td>{s['created-by'] || <span class="muted">–</span>}</td>
                <td>
                  {s.state !== 'expired' && (
                    <button type="button" onClick={() => end(s.id)} disabled={authState.readOnly}>
                      End
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Maintenance windows</h2>
      <p class="muted small">
        From the config (<code>maintenance:</code> in the files <code>9volt cfg</code> pushes, or{' '}
        <code>/api/v1/maintenance</code>).
      </p>
      <ErrorNote error={windows.error} retry={windows.reload} />
      {windows.data && Object.keys(windows.data).length === 0 && <p class="card muted">No maintenance windows.</p>}
      {windows.data && Object.keys(windows.data).length > 0 && (
        <table class="silences">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Covers</th>
              <th scope="col">When</th>
              <th scope="col">Notify after</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(windows.data)
              .sort((a, b) => a[0].localeCompare(b[0]))
              .map(([name, w]) => (
                <tr key={name} data-window={name}>
                  <td>{name}</td>
                  <td>{coverage({ ...(w as unknown as Silence) })}</td>
                  <td>
                    {w.schedule
                      ? `${String(w.schedule)} for ${String(w.duration)} (${String(w.timezone ?? 'UTC')})`
                      : w.weekdays
                        ? `${(w.weekdays as string[]).join(', ')} at ${String(w.at)} for ${String(w.duration)} (${String(w.timezone ?? 'UTC')})`
                        : `${localTime(String(w.starts))} – ${localTime(String(w.ends))}`}
                  </td>
                  <td>{w['notify-after'] === false ? 'no' : 'yes'}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </>
  );
}
