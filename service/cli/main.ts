import { isServiceError } from '../errors.js';
import { OPERATION_COMMANDS, operationCommand, type OperationCommand } from './commands/operation.js';

/** The `writeback-service` command line (SERVICE-INTERFACE.md). Each command lives in commands/. */

export const USAGE = `writeback-service: the password-writeback reset service

Usage:
  writeback-service init --data DIR [--db URL] [--public-url URL]
  writeback-service serve --data DIR [--listen HOST:PORT] [--tls-cert F --tls-key F] [--log-level L]
  writeback-service tenant create NAME
  writeback-service token create --tenant T [--ttl DURATION]
  writeback-service agents list [--tenant T] [--json]
  writeback-service agents remove --tenant T --agent ID [--force]
  writeback-service agents checkpoint --agent ID [--history]
  writeback-service reset --tenant T --user ID [--by KIND] [--directory ID] (--password-stdin | --generate) [--force-change] [--no-unlock] [--wait DURATION] [--json]
  writeback-service unlock|state|check-permissions --tenant T [--user ID] [--by KIND] [--directory ID] [--wait DURATION] [--json]
  writeback-service keys rotate [--json] | keys status [--json]
  writeback-service admin-token create [--name N] | admin-token list | admin-token revoke --name N

Every command takes --data DIR (or WRITEBACK_SERVICE_DATA) and --db URL (PostgreSQL instead of the
embedded database). Without --by, the user is named as the tenant's agents' directories name users
(uid for OpenLDAP, sAMAccountName for Active Directory). A password is never an argument.`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  init: async () => (await import('./commands/init.js')).initCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  tenant: async () => (await import('./commands/tenant.js')).tenantCommand,
  token: async () => (await import('./commands/token.js')).tokenCommand,
  agents: async () => (await import('./commands/agents.js')).agentsCommand,
  keys: async () => (await import('./commands/keys.js')).keysCommand,
  'admin-token': async () => (await import('./commands/admin-token.js')).adminTokenCommand,
  ...Object.fromEntries(Object.keys(OPERATION_COMMANDS).map((name) => [name, () => Promise.resolve((argv: string[]) => operationCommand(name as OperationCommand, argv))])),
};

/** Exit status 2 for anything that stopped a command from running, with one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    process.stderr.write(`writeback-service: unknown command ${JSON.stringify(name)}; run \`writeback-service help\`\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    return await (
      await load()
    )(rest);
  } catch (error) {
    process.stderr.write(`writeback-service ${name}: ${oneLine(error)}\n`);
    return 2;
  }
}

export function oneLine(error: unknown): string {
  const text = isServiceError(error) ? error.message : error instanceof Error ? `internal error (${error.name}: ${error.message})` : String(error);
  return text.split('\n')[0] ?? 'failed';
}
