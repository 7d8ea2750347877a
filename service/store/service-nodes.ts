import type { Kysely } from 'kysely';
import { staleAfterMs } from '../commands/agent-view.js';
import type { ServiceDatabase, ServiceNodeRow } from '../db/database-schema.js';

/** A row not refreshed for this long belongs to a node that is gone (killed, its machine lost): deleted. */
const FORGET_AFTER_MS = 24 * 60 * 60_000;

/** What a node records about itself at start and each heartbeat. */
export interface NodePresence {
  nodeId: string;
  hostname: string;
  /** Absolute path of the node's data directory; null without one (the test rig). */
  dataDir: string | null;
  /** The active kids it holds loaded, newest first. */
  kids: readonly string[];
  heartbeatMs: number;
}

/** Writes (or refreshes) the node's row, and deletes the rows of nodes not seen for a day. */
export async function recordNodePresence(db: Kysely<ServiceDatabase>, node: NodePresence, now: Date): Promise<void> {
  const at = now.toISOString();
  const row = { hostname: node.hostname, data_dir: node.dataDir, kids: JSON.stringify(node.kids), heartbeat_ms: node.heartbeatMs, last_seen_at: at };
  await db
    .insertInto('service_nodes')
    .values({ node_id: node.nodeId, started_at: at, ...row })
    .onConflict((conflict) => conflict.column('node_id').doUpdateSet(row))
    .execute();
  await db
    .deleteFrom('service_nodes')
    .where('last_seen_at', '<', new Date(now.getTime() - FORGET_AFTER_MS).toISOString())
    .execute();
}

/** A node stopping cleanly takes its row with it: it holds back nothing any more. */
export async function forgetNode(db: Kysely<ServiceDatabase>, nodeId: string): Promise<void> {
  await db.deleteFrom('service_nodes').where('node_id', '=', nodeId).execute();
}

/**
 * The nodes seen within their liveness window: three of their own heartbeat intervals, as an
 * agent's session is judged (agent-view.ts). A node silent for longer stopped (or cannot reach the
 * database, and so serves no agent either).
 */
export async function liveNodes(db: Kysely<ServiceDatabase>, now: Date): Promise<ServiceNodeRow[]> {
  const rows = await db.selectFrom('service_nodes').selectAll().orderBy('started_at').execute();
  // A time that does not parse (NaN) counts as live: a row never lets a key retire by being unreadable.
  return rows.filter((row) => !(Date.parse(row.last_seen_at) < now.getTime() - staleAfterMs(row.heartbeat_ms)));
}

/** The kids a node's row says it holds; a row that does not parse holds none (it never lets a key retire). */
export function heldKids(row: ServiceNodeRow): string[] {
  try {
    const kids: unknown = JSON.parse(row.kids);
    return Array.isArray(kids) && kids.every((kid) => typeof kid === 'string') ? kids : [];
  } catch {
    return [];
  }
}
