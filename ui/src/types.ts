// Shapes of the /api/v1 answers the UI reads (docs/api.md).

export const STATUSES = ['critical', 'warning', 'orphaned', 'ok', 'pending', 'disabled'] as const;
export type Status = (typeof STATUSES)[number];
// GET /api/v1/types: the check types this server was built with and their fields (the UI
// keeps no list of its own, so a new type shows up here without a UI change).
export interface FieldInfo {
  name: string;
  kind: 'string' | 'bool' | 'int' | 'duration' | 'string-list' | 'string-map' | 'object-list';
  required: boolean;
  secret: boolean;
  generated: boolean;  // a secret the API makes when a monitor is written without it
  help: string;
  min?: number;
  max?: number;
}
export interface TypeInfo {
  name: string;
  summary: string;
  'default-timeout': string;
  fields: FieldInfo[];
}
export interface TypesAnswer {
  'common-fields': FieldInfo[];
  types: TypeInfo[];
}

// One entry of GET /api/v1/state: the state key's fields plus some of the monitor's.
export interface CheckState {
  check: string;
  owner: string;
  status: string;
  count?: number;
  message?: string;
  date?: string;
  result?: string;
  duration_ms?: number;
  type: string;
  tags: string[];
  'member-tag': string;
  description: string;
  disabled: boolean;
  'silenced-by'?: string;  // a silence covering the check now ("" when none)
  // Flap detection (docs/alerting.md "Flapping"): the states of its last runs, oldest first
  // (o, w, c; absent when all were `status`), and whether it is flapping.
  history?: string;
  flapping?: boolean;
  // Failing behind a failing parent (depends-on): that parent's name; its alerts are held.
  unreachable?: string;
  // Run from several locations (docs/locations.md): a row per location and the quorum.
  locations?: Locations;
}

export interface LocationRow {
  location: string;
  status: string;  // ok | warning | critical | unknown
  member: string;  // who runs it ("" when nobody does)
  why?: string;    // unknown: why it counts for nothing
  result?: string;
  message?: string;
  date?: string;
  count?: number;
  duration_ms?: number;
}

export interface Locations {
  total: number;
  failing: number;
  unknown: number;
  'failing-locations': number;
  'recovered-locations': number;
  rows: LocationRow[];
}

// GET /api/v1/silence (docs/api.md "Silences")
export interface Silence {
  id: string;
  check?: string;
  tags?: string[];
  type?: string;
  'member-tag'?: string;
  starts: string;
  ends: string;
  created: string;
  comment?: string;
  'created-by'?: string;
  state: 'pending' | 'active' | 'expired';
}

// GET /api/v1/ack/<check>: the check's open incident (404 when it has none) and its
// acknowledgement. `ack` is there once the incident was ever acked (a withdrawn or expired
// one stays, ended); `acked` says whether an ack is in force now.
export interface Ack {
  by: string;
  comment: string;
  at: string;
  expires: string | null;  // null: until the incident ends
}
export interface AckAnswer {
  check: string;
  incident: string;
  status: 'warning' | 'critical';
  acked: boolean;
  ack?: Ack;
}
// POST /api/v1/ack/<check>
export interface AckMade {
  status: 'ok';
  ack: AckAnswer;
}

// GET /api/v1/state/summary
export interface Summary {
  total: number;
  by_status: Record<string, number>;
  by_type: Record<string, number>;
  by_owner: Record<string, number>;
}

export interface Member {
  id: string;
  hostname: string;
  listen: string;
  tags: string[];
  location?: string;  // --location; "" or absent: none
  version: string;
  started: string;
  checks: number;
  degraded?: boolean;  // every one of its canaries fails (docs/locations.md)
}

export interface Cluster {
  Members: Record<string, Member>;
  Director: { MemberID: string; since: string } | null;
  checks: number;
  orphans: number;
}

export interface Orphans {
  count: number;
  orphans: Array<{ check: string; 'member-tag': string }>;
}

export interface EventEntry {
  type: string;
  kind?: string;
  message: string;
  timestamp: string;
  memberid: string;
  check?: string;
  member?: string;
}

export type MonitorSpec = Record<string, unknown>;
export type AlerterSpec = { type?: string; description?: string; options?: Record<string, unknown> } & Record<
  string,
  unknown
>;

// GET /api/v1/storm: alert storms by alerter (docs/api.md "Storms").
export interface StormBatch {
  critical: number;
  warning: number;
  recovered: number;
  checks: { check: string; status: string }[];
  more: number;
  since: string | null;
}
export interface Storm {
  storm: number;
  since: string;
  last_failure: string;
  still_failing: number;
  worst: string;
  digests_sent: number;
  pending: StormBatch;
  sending: null | { digest: number; by: string; since: string; changes: StormBatch };
}
export interface AlerterStorms {
  alerter: string;
  storms: Storm[];
}

// GET /status/check (open)
export interface Health {
  status: string;
  message: string;
}
