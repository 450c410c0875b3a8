// Small text helpers shared by the pages.

export function timeAgo(iso: string | undefined, now = Date.now()): string {
  if (!iso) {
    return '';
  }
  const t = Date.parse(iso);
  if (Number.isNaN(t)) {
    return iso;
  }
  const s = Math.round((now - t) / 1000);
  if (s < 0) {
    return 'just now';
  }
  if (s < 60) {
    return `${s} s ago`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min ago`;
  }
  if (s < 86400) {
    return `${Math.floor(s / 3600)} h ago`;
  }
  return `${Math.floor(s / 86400)} d ago`;
}

// "in 59 min" for a time ahead, timeAgo() for one past (silences end ahead).
export function timeFromNow(iso: string | undefined, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t) || t <= now) {
    return timeAgo(iso, now);
  }
  const s = Math.round((t - now) / 1000);
  if (s < 60) return `in ${s} s`;
  if (s < 3600) return `in ${Math.floor(s / 60)} min`;
  if (s < 86400) return `in ${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `in ${Math.floor(s / 86400)} d`;
}

export function localTime(iso: string | undefined): string {
  if (!iso) {
    return '';
  }
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toLocaleString();
}

export function ms(value: number | undefined): string {
  if (value === undefined || value === null) {
    return '';
  }
  return value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`;
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
}

export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 12)}…` : id;
}

export function show(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) {
    return value.join(', ');
  }
  return JSON.stringify(value);
}

// The tooltip of a "flapping" badge: the check's last runs (a state key's `history`, oldest
// first: o ok, w warning, c critical) and how flap detection reads them.
export function flappingTitle(history: string | undefined): string {
  const runs = history ? ` Last runs, oldest first: ${history} (o ok, w warning, c critical).` : '';
  return `Its state changed too often over its last 21 runs: one notification when it started flapping, none per change, one when it stops.${runs}`;
}

// The tooltip of an "unreachable" badge: the failing parent (depends-on) it is behind.
export function unreachableTitle(parent: string): string {
  return `Behind ${parent}, which is failing: its alerts are held until ${parent} recovers.`;
}
