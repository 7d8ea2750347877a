import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../state/write-file-atomic.js';

/** What a running agent tells `writeback-agent status` (a separate process) about itself. */
export interface StatusSnapshot {
  pid: number;
  version: string;
  startedAt: string;
  updatedAt: string;
  /** `cause` and `fix`: the classified last failure (diagnose's cause code); optional, older agents did not write them. */
  connection: { state: string; sessionId: string | null; lastError: string | null; cause?: string | null; fix?: string | null; since: string };
  commands: { received: number; completed: number; inFlight: number };
  /** MB: resident set, V8 heap in use, and memory outside it held by JS objects (buffers, keys). Optional: older agents did not write it. */
  memory?: { rssMb: number; heapUsedMb: number; externalMb: number };
  lastPermissionCheck: { at: string; directories: { directory: string; ok: boolean; missing: string[]; warnings: string[] }[] } | null;
}

export const STATUS_FILE_NAME = 'status.json';

export function statusFilePath(stateDir: string): string {
  return join(stateDir, STATUS_FILE_NAME);
}

export async function writeStatus(stateDir: string, snapshot: StatusSnapshot): Promise<void> {
  await writeFileAtomic(statusFilePath(stateDir), `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 });
}

export async function readStatus(stateDir: string): Promise<StatusSnapshot | null> {
  try {
    return JSON.parse(await readFile(statusFilePath(stateDir), 'utf8')) as StatusSnapshot;
  } catch {
    return null;
  }
}
