import { stat } from 'node:fs/promises';
import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { connectionStatusWord } from '../../runtime/connection-status-words.js';
import { readStatus } from '../../runtime/status-file.js';
import { tcpReachable } from '../../runtime/reachability.js';
import { RegistrationState } from '../../state/registration-state.js';
import { statePaths } from '../../state/state-paths.js';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';

/** `status --config F [--json]`: registration, connection, last permission check, journal, directories. Exit 0. */
export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, CommandSpecs.status.options, 'status');
  const config = await loadConfig(configPathFrom(values.config));
  const registration = (await RegistrationState.open(config.stateDir)).get();
  const snapshot = await readStatus(config.stateDir);
  const running = snapshot !== null && isAlive(snapshot.pid);
  const journalPath = statePaths(config.stateDir).journal;
  const journalBytes = await stat(journalPath).then(
    (s) => s.size,
    () => 0,
  );
  const directories = await Promise.all(
    config.directories.map(async (directory) => ({
      id: directory.id,
      kind: directory.kind,
      urls: await Promise.all(directory.urls.map(async (url) => ({ url, ...(await tcpReachable(url)) }))),
    })),
  );
  const report = {
    registered: registration !== null,
    registration:
      registration === null
        ? null
        : {
            agentId: registration.agentId,
            tenantId: registration.tenantId,
            registeredAt: registration.registeredAt,
            serviceUrl: registration.serviceUrl,
            serviceKeyIds: registration.serviceKeys.map((k) => k.kid),
          },
    agent: running ? { running: true, pid: snapshot.pid, version: snapshot.version, startedAt: snapshot.startedAt } : { running: false },
    connection: running ? { ...snapshot.connection, state: connectionStatusWord(snapshot.connection.state) } : { state: 'not running' },
    commands: running ? snapshot.commands : null,
    memory: running ? (snapshot.memory ?? null) : null,
    lastPermissionCheck: snapshot?.lastPermissionCheck ?? null,
    journal: { path: journalPath, bytes: journalBytes },
    directories,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const lines = [
    registration === null
      ? 'registration: not registered (run `writeback-agent register`)'
      : `registration: agent ${registration.agentId} of tenant ${registration.tenantId}, registered ${registration.registeredAt} with ${registration.serviceUrl}`,
    running ? `agent: running (pid ${snapshot.pid}, version ${snapshot.version}, since ${snapshot.startedAt})` : 'agent: not running',
    running
      ? `service connection: ${connectionStatusWord(snapshot.connection.state)}${snapshot.connection.lastError ? ` (last error: ${snapshot.connection.lastError})` : ''}`
      : 'service connection: none',
    running && snapshot.connection.lastError && snapshot.connection.fix ? `  fix: ${snapshot.connection.fix}` : null,
    running ? `commands: ${snapshot.commands.completed} completed, ${snapshot.commands.inFlight} in flight` : null,
    running && snapshot.memory
      ? `memory: ${snapshot.memory.rssMb} MB resident (JS heap ${snapshot.memory.heapUsedMb} MB, outside it ${snapshot.memory.externalMb} MB), as of ${snapshot.updatedAt}`
      : null,
    snapshot?.lastPermissionCheck
      ? `last permission check (${snapshot.lastPermissionCheck.at}): ${snapshot.lastPermissionCheck.directories.map((d) => `${d.directory} ${d.ok ? 'OK' : `MISSING ${d.missing.join(', ')}`}`).join('; ')}`
      : 'last permission check: none yet',
    `journal: ${journalBytes} bytes (${journalPath})`,
    ...directories.flatMap((d) => d.urls.map((u) => `directory ${d.id}: ${u.url} ${u.reachable ? 'reachable' : `unreachable (${u.reason ?? 'unknown'})`}`)),
  ];
  process.stdout.write(`${lines.filter((line) => line !== null).join('\n')}\n`);
  return 0;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
