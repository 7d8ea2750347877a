import { TARGET_KINDS, type Operation } from '../../../protocol/index.js';
import { parseCommandRequest } from '../../commands/command-request.js';
import { defaultTargetKind } from '../../commands/default-target-kind.js';
import { viewAgent } from '../../commands/agent-view.js';
import { waitForCommand, type CommandView } from '../../commands/command-view.js';
import { generatePassword } from '../../commands/generate-password.js';
import { submitCommand } from '../../commands/submit-command.js';
import { parseDuration } from '../../config/duration.js';
import { ServiceError } from '../../errors.js';
import { listAgents } from '../../store/agents.js';
import { findTenant } from '../../store/tenants.js';
import { withContext } from '../cli-context.js';
import { parseFlags, required } from '../flags.js';

/** The CLI name of each operation it sends. */
export const OPERATION_COMMANDS = {
  reset: 'resetPassword',
  unlock: 'unlockAccount',
  state: 'getAccountState',
  'check-permissions': 'checkPermissions',
} as const satisfies Record<string, Operation>;
export type OperationCommand = keyof typeof OPERATION_COMMANDS;

/** Exit statuses of the operation commands (SERVICE-INTERFACE.md). */
export const OperationExit = { ok: 0, notOk: 1, notSent: 2 } as const;

const POLL_MS = 100;

/**
 * `reset`, `unlock`, `state`, `check-permissions`: the command goes into the shared database (the
 * same code as the admin API) and any node holding a session of the tenant's agents delivers it;
 * this waits for the stored, verified result. The password comes from stdin or is generated,
 * never from the command line.
 */
export async function operationCommand(name: OperationCommand, argv: string[]): Promise<number> {
  const isReset = name === 'reset';
  const { values, positionals } = parseFlags(argv, {
    tenant: { type: 'string' },
    user: { type: 'string' },
    by: { type: 'string' },
    directory: { type: 'string' },
    json: { type: 'boolean' },
    wait: { type: 'string' },
    ...(isReset ? { 'password-stdin': { type: 'boolean' }, generate: { type: 'boolean' }, 'force-change': { type: 'boolean' }, 'no-unlock': { type: 'boolean' } } : {}),
  } as const);
  if (positionals.length > 0) throw new ServiceError('USAGE', `unexpected argument (a password is never taken as an argument; use --password-stdin or --generate)`);
  const tenantRef = required(values.tenant, 'tenant', name);
  const givenBy = values.by;
  if (givenBy !== undefined && !(TARGET_KINDS as readonly string[]).includes(givenBy)) throw new ServiceError('USAGE', `--by must be one of ${TARGET_KINDS.join(', ')}`);
  const op = OPERATION_COMMANDS[name];
  const flags = values as Record<string, unknown>;
  let password: string | null = null;
  let generated = false;
  if (isReset) {
    const fromStdin = flags['password-stdin'] === true;
    generated = flags['generate'] === true;
    if (fromStdin === generated) throw new ServiceError('USAGE', 'give exactly one of --password-stdin or --generate');
    password = generated ? generatePassword() : await readPasswordFromStdin();
  }
  const view = await withContext(values, async ({ store, config }) => {
    const tenant = await findTenant(store.db, tenantRef);
    const now = new Date();
    const rows = await listAgents(store.db, tenant.id);
    const agents = rows.map((a) => viewAgent(a, now, config.agents.heartbeatIntervalMs));
    if (agents.length === 0)
      throw new ServiceError('NOT_SENT', `tenant ${tenant.name} has no agent; register one with \`writeback-agent register\` and a token from \`writeback-service token create\``);
    if (!agents.some((a) => a.connected)) throw new ServiceError('NOT_SENT', `no agent of tenant ${tenant.name} is connected; start \`writeback-agent run\` (and \`writeback-service serve\`)`);
    const by = values.user === undefined ? null : (givenBy ?? defaultTargetKind(rows, values.directory));
    const request = parseCommandRequest({
      op,
      ...(values.user === undefined || by === null ? {} : { target: { by, value: values.user } }),
      ...(values.directory === undefined ? {} : { directory: values.directory }),
      params: isReset ? { forceChangeAtNextLogon: flags['force-change'] === true, unlock: flags['no-unlock'] !== true } : {},
      ...(password === null ? {} : { secret: { newPassword: password } }),
    });
    const submitted = await submitCommand(store, { tenantId: tenant.id, request, submittedBy: 'cli', defaultTtlMs: config.commands.defaultTtlMs, now });
    const waitMs = values.wait === undefined ? config.commands.resultWaitMs : parseDuration(values.wait, '--wait');
    return waitForCommand(store.db, tenant.id, submitted.id, { deadline: Date.now() + waitMs, pollMs: POLL_MS });
  });
  return report(name, view, generated ? password : null, values.json === true);
}

function report(name: string, view: CommandView, generatedPassword: string | null, json: boolean): number {
  const result = view.result;
  if (result === null) {
    const why =
      view.state === 'expired'
        ? 'no agent answered before the command expired'
        : `no result yet (state ${view.state}); look later with the admin API: GET /api/v1/tenants/${view.tenantId}/commands/${view.id}`;
    throw new ServiceError('NOT_SENT', why);
  }
  const ok = result.code === 'OK';
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ commandId: view.id, state: view.state, result, signature: view.signature, ...(ok && generatedPassword !== null ? { generatedPassword } : {}) }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${result.code}: ${result.message}\n`);
    if (Object.keys(result.details).length > 0 && name !== 'reset') process.stdout.write(`${JSON.stringify(result.details, null, 2)}\n`);
    // Shown once, and only when it was set.
    if (ok && generatedPassword !== null) process.stdout.write(`new password: ${generatedPassword}\n`);
  }
  return ok ? OperationExit.ok : OperationExit.notOk;
}

/** The whole of stdin (a pipe or a file), less one trailing newline; an empty password is a usage error. */
async function readPasswordFromStdin(): Promise<string> {
  // A terminal echoes what is typed: the password would be on the screen (and in its scrollback).
  if (process.stdin.isTTY)
    throw new ServiceError(
      'USAGE',
      `--password-stdin reads a pipe, not a terminal, where the password would show as it is typed; pipe it in (printf '%s\\n' "$PASSWORD" | writeback-service reset ...) or use --generate`,
    );
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (text.length === 0) throw new ServiceError('USAGE', '--password-stdin read an empty password; pipe it in, e.g. from a password manager');
  return text;
}
