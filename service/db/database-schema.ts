import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * The service's tables, one interface each. Times are RFC 3339 UTC strings with milliseconds (the
 * wire form), so that comparisons and ordering read the same in SQLite and PostgreSQL; JSON values
 * are text. Booleans are integers 0/1 for the same reason.
 */

export interface TenantTable {
  id: string;
  name: string;
  created_at: string;
}

export interface AgentTable {
  id: string;
  tenant_id: string;
  name: string;
  hostname: string;
  version: string;
  /** Raw Ed25519 public key, base64url: verifies hello and every result. */
  signing_key: string;
  /** Raw X25519 public key, base64url: secrets are sealed to it. */
  encryption_key: string;
  /** JSON array of the ops of the last hello. */
  capabilities: string;
  /** Subprotocol of the last session (`writeback.v2`, `writeback.v1`); null before the first. */
  protocol: string | null;
  /** JSON array of the features the last session shared (none on version 1). */
  features: Generated<string>;
  registered_at: string;
  last_seen_at: string | null;
  /** Node holding the agent's session, and that session's id; null when none. */
  node_id: string | null;
  session_id: string | null;
  /** JSON `{directories: [{id, kind}], defaultDirectory}` of the agent's last `directories` report; null: never reported (version 1, older agent). */
  directories: string | null;
  /** When `agents remove` retired the record; null while it is in use. A removed agent may not connect. */
  removed_at: string | null;
}

export interface AgentTrustedKeyTable {
  agent_id: string;
  kid: string;
}

export interface RegistrationTokenTable {
  /** SHA-256 of the token, hex: the token itself is shown once and never stored. */
  token_hash: string;
  tenant_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  agent_id: string | null;
}

export interface RegistrationFailureTable {
  /** Remote address the failed `register` came from. */
  source: string;
  window_start: string;
  failures: number;
}

export interface SigningKeyTable {
  kid: string;
  public_key: string;
  created_at: string;
  /** `active` signs commands (for agents that trust it), `retired` is no longer used or announced. */
  status: string;
}

export interface CommandTable {
  id: string;
  tenant_id: string;
  op: string;
  directory: string | null;
  /** JSON `{by, value}` or null. */
  target: string | null;
  /** JSON object. */
  params: string;
  has_secret: number;
  state: string;
  /** The agent it was sent to first; from then on it is pinned there (never applied by two agents). */
  agent_id: string | null;
  /** The session (on whichever node) that holds it while sent or acknowledged. */
  session_id: string | null;
  issued_at: string;
  expires_at: string;
  created_at: string;
  updated_at: string;
  sends: number;
  /** Who submitted it: `cli`, or the admin token's name. */
  submitted_by: string;
}

export interface CommandSecretTable {
  command_id: string;
  agent_id: string;
  /** JSON sealed secret (SPEC.md section 6), sealed to this agent's encryption key. */
  sealed: string;
}

export interface ResultTable {
  command_id: string;
  agent_id: string;
  /** JSON result object R, exactly as signed. */
  result: string;
  signature: string;
  code: string;
  stored_at: string;
}

export interface AdminTokenTable {
  token_hash: string;
  name: string;
  created_at: string;
}

export interface HelpdeskSessionTable {
  /** SHA-256 of the session id, hex: the id itself is only in the operator's cookie. */
  id_hash: string;
  /** The admin token the operator signed in with. */
  token_hash: string;
  created_at: string;
  expires_at: string;
  last_used_at: string;
}

/** A running node and the active signing keys it holds (written at start and each heartbeat). */
export interface ServiceNodeTable {
  /** Random per process start (NodeContext.nodeId). */
  node_id: string;
  hostname: string;
  /** The node's data directory (absolute), where a missing key file goes; null for a node without one (the test rig). */
  data_dir: string | null;
  /** JSON array of the active kids the node holds loaded, newest first. */
  kids: string;
  /** The node's `agents.heartbeatIntervalMs`: its row is judged live within staleAfterMs of it. */
  heartbeat_ms: number;
  started_at: string;
  last_seen_at: string;
}

export interface ServiceDatabase {
  tenants: TenantTable;
  agents: AgentTable;
  agent_trusted_keys: AgentTrustedKeyTable;
  registration_tokens: RegistrationTokenTable;
  registration_failures: RegistrationFailureTable;
  signing_keys: SigningKeyTable;
  commands: CommandTable;
  command_secrets: CommandSecretTable;
  results: ResultTable;
  admin_tokens: AdminTokenTable;
  helpdesk_sessions: HelpdeskSessionTable;
  service_nodes: ServiceNodeTable;
}

export type AgentRow = Selectable<AgentTable>;
export type CommandRow = Selectable<CommandTable>;
export type NewCommand = Insertable<CommandTable>;
export type ResultRow = Selectable<ResultTable>;
export type ServiceNodeRow = Selectable<ServiceNodeTable>;
