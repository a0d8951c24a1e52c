// The JSON the app's Rust side hands the UI (docs/APP.md). Everything
// helper-proto sends mirrors crates/helper-proto/src/{types,event,error,
// request}.rs and routing-core's serde field for field (snake_case, as serde
// writes it); the app's own shapes (Connection, InterfaceRate, AppError) are
// camelCase as APP.md spells them.

/** routing-core `Family`. */
export type Family = 'v4' | 'v6';

/** helper-proto `Mode`. */
export type Mode = 'advanced' | 'legacy';

/** routing-core `InterfaceKind`. */
export type InterfaceKind =
  | 'wifi'
  | 'ethernet'
  | 'tunnel'
  | 'loopback'
  | 'bridge'
  | 'awdl'
  | 'cellular'
  | 'other';

/** helper-proto `Access`. */
export type Access = 'none' | 'read' | 'change';

/** helper-proto `PerFamily<T>`. */
export interface PerFamily<T> {
  v4: T;
  v6: T;
}

/** helper-proto `Status`. */
export interface Status {
  backend: string;
  mode: Mode;
  mode_note: string | null;
  mode_switchable: boolean;
  families: PerFamily<FamilyStatus>;
  exclusions: number;
  held: HeldStatus[];
  held_exclusion_routes: number;
  timeline: TimelineEntry[];
  repins_last_10_min: number;
  warnings: string[];
  /** The tunnels that own a default route (absent from helpers older than this field). */
  vpn?: VpnDefault[];
}

/** helper-proto `DefaultShape`: an unscoped default on the tunnel, or both halves (0/1 + 128/1). */
export type DefaultShape = 'whole' | 'split';

/** helper-proto `VpnDefault`. */
export interface VpnDefault {
  interface: string;
  family: Family;
  shape: DefaultShape;
  /** The unscoped routes that make it so, as netstat names them (`0/1`, `128.0/1`). */
  routes: string[];
}

/** helper-proto `FamilyStatus`. */
export interface FamilyStatus {
  egress: Egress | null;
  pin: PinState;
  reason: string;
  /** Seconds since the epoch. */
  since: number | null;
}

/** helper-proto `Egress`. */
export interface Egress {
  index: number;
  interface: string;
  kind: InterfaceKind;
  gateway: string;
  local_addresses: string[];
}

/** helper-proto `PinState` (adjacently tagged: `state`, `detail`). */
export type PinState =
  | { state: 'none' }
  | { state: 'pinned' }
  | { state: 'reused' }
  | { state: 'stale'; detail: string }
  | { state: 'failed'; detail: string };

/** helper-proto `HeldStatus`. */
export interface HeldStatus {
  route: string;
  reused: boolean;
}

/** helper-proto `TimelineEntry`. */
export interface TimelineEntry {
  /** Seconds since the epoch. */
  at: number;
  trigger: string;
  outcome: string;
}

/** helper-proto `RouteFilter` (every field optional on the wire: `#[serde(default)]`). */
export interface RouteFilter {
  family?: Family | null;
  scoped?: boolean;
  ours?: boolean;
  interface?: string | null;
  offset?: number;
  limit?: number | null;
}

/** helper-proto `RouteRow`. */
export interface RouteRow {
  family: Family;
  destination: string;
  gateway: string;
  flags: string;
  netif: string;
  expire: string;
  scope: string | null;
  ours: boolean;
  cloned: boolean;
  default: boolean;
  canonical: string;
}

/** helper-proto `LookupAnswer`. */
export interface LookupAnswer {
  destination: string;
  scoped_to: string | null;
  route: RouteRow | null;
  interface: string | null;
  interface_kind: InterfaceKind | null;
  gateway: string | null;
  via_vpn: boolean;
  summary: string;
}

/** helper-proto `Exclusion`. */
export interface Exclusion {
  /** An `IpPrefix` as text (`203.0.113.7/32`). */
  prefix: string;
  owners: string[];
}

/** helper-proto `ProbeAnswer`. */
export interface ProbeAnswer {
  destination: string;
  local_port: number;
  bound_to: string | null;
  interface: string | null;
  gateway: string | null;
  via_vpn: boolean;
  summary: string;
}

/** helper-proto `FlushReport`. */
export interface FlushReport {
  dry_run: boolean;
  routes: string[];
}

/** helper-proto `SimAction` (internally tagged by `action`). */
export type SimAction =
  | { action: 'event'; name: string }
  | { action: 'link'; interface: string; up: boolean }
  | { action: 'list_events' };

/** helper-proto `SimEvent`. */
export interface SimEvent {
  name: string;
  description: string;
}

/** helper-proto `Event` (internally tagged by `event`). */
export type HelperEvent =
  | { event: 'status'; status: Status }
  | { event: 'timeline'; entry: TimelineEntry }
  | { event: 'mode_progress'; mode: Mode; done: number; total: number }
  | { event: 'routes_changed' }
  | { event: 'lagged'; missed: number }
  | { event: 'stopping' };

/** helper-proto `ErrorCode`. */
export type ErrorCode =
  | 'bad_request'
  | 'malformed_frame'
  | 'frame_too_large'
  | 'incompatible_version'
  | 'handshake_required'
  | 'handshake_timeout'
  | 'idle_timeout'
  | 'permission_denied'
  | 'busy'
  | 'too_many_requests'
  | 'invalid_argument'
  | 'not_found'
  | 'refused'
  | 'mode_forced'
  | 'no_egress'
  | 'not_supported'
  | 'backend_failed'
  | 'unavailable'
  | 'internal'
  | 'unknown';

/** The app's own codes for a helper it cannot talk to. */
export type ConnectionErrorCode =
  | 'not_running'
  | 'not_installed'
  | 'not_permitted'
  | 'incompatible'
  | 'disconnected';

/** Codes of the helper-setup commands' failures (docs/APP.md). */
export type SetupErrorCode =
  | 'not_available'
  | 'cancelled'
  | 'failed'
  | 'requires_approval'
  | 'invalid_signature'
  | 'already_registered';

/** A failed command (docs/APP.md): a code to branch on, a sentence to show. */
export interface AppError {
  code: ErrorCode | ConnectionErrorCode | SetupErrorCode;
  message: string;
}

/** Where the app's one connection to the helper stands. */
export type ConnectionState =
  | 'connected'
  | 'not_running'
  | 'not_installed'
  | 'not_permitted'
  | 'incompatible'
  | 'connecting';

/** The app's `Connection` (docs/APP.md). */
export interface Connection {
  state: ConnectionState;
  message: string | null;
  helper: string | null;
  backend: string | null;
  access: Access | null;
  changeRequires: string | null;
  socket: string;
}

/** Who runs the helper (docs/APP.md `Setup.manager`). */
export type ServiceManagerKind = 'app_service' | 'legacy_launchd' | 'systemd' | 'unmanaged';

/** What that manager says (docs/APP.md `Setup.service`). */
export type ServiceStatus =
  | 'not_installed'
  | 'not_registered'
  | 'requires_approval'
  | 'not_found'
  | 'enabled'
  | 'failed'
  | 'disabled'
  | 'masked'
  | 'unknown';

/** The helper's availability as the UI shows it. */
export type SetupState =
  | 'ok'
  | 'update_available'
  | 'not_installed'
  | 'needs_approval'
  | 'not_found'
  | 'not_running'
  | 'permission_denied'
  | 'incompatible'
  | 'connecting';

/** Something the app can do about the helper (each has its command). */
export type SetupAction = 'register' | 'unregister' | 'restart' | 'open_approval_settings' | 'update';

/** The app's `Setup` (docs/APP.md). */
export interface Setup {
  state: SetupState;
  manager: ServiceManagerKind;
  service: ServiceStatus;
  actions: SetupAction[];
  app: string;
  helper: string | null;
  group: string | null;
  socket: string;
  message: string | null;
  notice: string | null;
}

/** The app's `InterfaceRate` (docs/APP.md). */
export interface InterfaceRate {
  name: string;
  rxBytesPerSec: number;
  txBytesPerSec: number;
}

/** The payload of the app's `mode-progress` event. */
export interface ModeProgress {
  done: number;
  total: number;
}

/** The formats `export_table` writes. */
export type ExportFormat = 'json' | 'csv' | 'netstat';

/** The app's `SavedExport` (docs/APP.md): where `export_table` saved the file. */
export interface SavedExport {
  path: string;
  rows: number;
  bytes: number;
}

/** The app's `window-visibility` event: the app showed or hid this window. */
export interface WindowVisibility {
  /** The window's label: `popover` or `inspector`. */
  window: string;
  visible: boolean;
}
