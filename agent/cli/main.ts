import { isAgentError } from '../errors.js';
import { AGENT_VERSION } from '../runtime/version.js';
import { tlsVerificationDisabled } from '../connection/socket-options.js';
import { nodeDebugLeak } from './node-debug-guard.js';

/** The `writeback-agent` command line (AGENT-INTERFACE.md). Each command lives in commands/. */

const USAGE = `writeback-agent ${AGENT_VERSION}: on-premises password-writeback agent

Usage:
  writeback-agent register --config F (--token-file F | --token-stdin | --token T) [--url U] [--name N]
  writeback-agent run --config F
  writeback-agent check-permissions --config F [--directory ID] [--user X] [--json]
  writeback-agent status --config F [--json]
  writeback-agent audit verify --config F
  writeback-agent install-service --config F [--dry-run] [--root DIR] [--user NAME] [--name UNIT] [--encrypted-credentials]
  writeback-agent uninstall-service --config F [--dry-run] [--purge]
  writeback-agent demo [--serve [--port N] [--both-methods]]
  writeback-agent --version

--config may also come from WRITEBACK_AGENT_CONFIG.`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  register: async () => (await import('./commands/register.js')).registerCommand,
  'check-permissions': async () => (await import('./commands/check-permissions.js')).checkPermissionsCommand,
  run: async () => (await import('./commands/run.js')).runCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  'install-service': async () => (await import('./commands/install-service.js')).installServiceCommand,
  'uninstall-service': async () => (await import('./commands/uninstall-service.js')).uninstallServiceCommand,
};

/** Exit status 2 for anything that stopped a command from running, with one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    process.stderr.write(`writeback-agent: unknown command ${JSON.stringify(name)}; run \`writeback-agent help\`\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const leak = nodeDebugLeak(process.env['NODE_DEBUG']);
  if (leak !== null) {
    process.stderr.write(`writeback-agent ${name}: NODE_DEBUG=${leak} would make the LDAP library print requests, passwords included, to stderr; unset NODE_DEBUG (or leave ldapts out of it)\n`);
    return 2;
  }
  const tlsOff = tlsVerificationDisabled();
  if (tlsOff !== null) {
    process.stderr.write(`writeback-agent ${name}: ${tlsOff}\n`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    process.stderr.write(`writeback-agent ${name}: ${oneLine(error)}\n`);
    return 2;
  }
}

export function oneLine(error: unknown): string {
  const text = isAgentError(error) || error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? 'failed';
}

