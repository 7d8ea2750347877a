import { isAgentError } from '../errors.js';
import { AGENT_VERSION } from '../runtime/version.js';
import { tlsVerificationDisabled } from '../connection/socket-options.js';
import { commandHelp, generalHelp } from './command-help.js';
import type { CommandName } from './command-specs.js';
import { nodeDebugLeak } from './node-debug-guard.js';

/** The `writeback-agent` command line (AGENT-INTERFACE.md). Each command lives in commands/, its flags in command-specs.ts. */

type Command = (argv: string[]) => Promise<number>;

/** Loaded on use, so `run` does not pay for the other commands' modules. */
const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  register: async () => (await import('./commands/register.js')).registerCommand,
  'check-permissions': async () => (await import('./commands/check-permissions.js')).checkPermissionsCommand,
  run: async () => (await import('./commands/run.js')).runCommand,
  // The one import out of the agent's layer: the demo is a composition root of its own (simulators
  // included) that ships with the package for `writeback-agent demo`, loaded only when asked for.
  // eslint-disable-next-line no-restricted-syntax
  demo: async () => (await import('../../demo/demo-command.js')).demoCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  diagnose: async () => (await import('./commands/diagnose.js')).diagnoseCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  secret: async () => (await import('./commands/secret.js')).secretCommand,
  'install-service': async () => (await import('./commands/install-service.js')).installServiceCommand,
  'uninstall-service': async () => (await import('./commands/uninstall-service.js')).uninstallServiceCommand,
};

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** Exit status 2 for anything that stopped a command from running, with one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0];
    process.stdout.write(`${topic !== undefined && isCommand(topic) ? commandHelp(topic) : generalHelp(AGENT_VERSION)}\n`);
    return name === undefined ? 2 : 0;
  }
  if (!isCommand(name)) {
    process.stderr.write(`writeback-agent: unknown command ${JSON.stringify(name)}; run \`writeback-agent help\`\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${commandHelp(name)}\n`);
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
    return await (
      await COMMANDS[name]()
    )(rest);
  } catch (error) {
    process.stderr.write(`writeback-agent ${name}: ${oneLine(error)}\n`);
    return 2;
  }
}

export function oneLine(error: unknown): string {
  const text = isAgentError(error) || error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? 'failed';
}
