import { TARGET_KINDS } from '../../protocol/codes.js';
import type { OptionSpecs } from './args.js';

/**
 * Every command's summary, positional arguments and flags, in one table. The parser of each command
 * (args.ts) and its `--help` (command-help.ts) both read it, so the help cannot drift from what is
 * accepted. A new command adds an entry here and a loader in main.ts.
 */
export interface CommandSpec {
  readonly summary: string;
  /** Positional arguments as shown in the synopsis, e.g. `set NAME | list | delete NAME`. */
  readonly args?: string;
  readonly options: OptionSpecs;
  /** Lines printed under the options (exit statuses, notes). */
  readonly notes?: readonly string[];
}

const config = { type: 'string', value: 'F', required: true, help: 'the config file (default: $WRITEBACK_AGENT_CONFIG)' } as const;
const json = { type: 'boolean', help: 'print JSON instead of lines' } as const;
const dryRun = { type: 'boolean', help: 'print every file, directory and command it would write or run, change nothing' } as const;
const root = { type: 'string', value: 'DIR', help: 'Linux, tests only: write under DIR instead of /, run no command' } as const;
const serviceName = { type: 'string', value: 'UNIT', help: 'systemd unit name or Windows service id (default: writeback-agent)' } as const;
const serviceUser = { type: 'string', value: 'NAME', help: 'Linux: the system account (default: writeback-agent); Windows: the service account (default: LocalSystem)' } as const;
const serviceDir = { type: 'string', value: 'DIR', help: 'Windows: where WinSW and its XML live (default: %ProgramData%\\writeback-agent\\service)' } as const;
const platform = { type: 'string', value: 'P', help: "linux or win32, to print the other platform's plan with --dry-run (default: this one)" } as const;

export const CommandSpecs = {
  register: {
    summary: 'registers this agent with the reset service once, with a one-time token; prints the agentId',
    options: {
      config,
      'token-file': { type: 'string', value: 'F', help: 'read the one-time registration token from this file (not readable by other users)' },
      'token-stdin': { type: 'boolean', help: 'read the one-time registration token from standard input' },
      token: { type: 'string', value: 'T', help: 'the token on the command line, where every local user can read it: prefer --token-file or --token-stdin' },
      url: { type: 'string', value: 'U', help: "the service's wss:// URL (default: service.url of the config)" },
      name: { type: 'string', value: 'N', help: 'the name the service shows for this agent (default: the host name)' },
    },
    notes: ['exactly one of --token-file, --token-stdin and --token gives the one-time token from the reset service', 'exit status: 0 registered; 2 refused or unreachable, with the reason'],
  },
  run: {
    summary: 'runs the agent until SIGTERM or SIGINT, then finishes or journals commands in flight and exits 0',
    options: { config },
  },
  'check-permissions': {
    summary: "checks the agent's directory account without changing any entry; one line per check",
    options: {
      config,
      directory: { type: 'string', value: 'ID', help: 'check this directory only (default: all)' },
      user: { type: 'string', value: 'X', help: 'also check the rights on this user (DN, UPN, sAMAccountName or uid)' },
      by: { type: 'string', value: 'KIND', help: `how --user names the user: ${TARGET_KINDS.join(', ')} (default: guessed from its form)` },
      json,
    },
    notes: ['exit status: 0 all required checks pass; 1 something required is missing; 2 could not check'],
  },
  status: {
    summary: 'registration, service connection, last permission check, journal size, directories reachable',
    options: { config, json },
  },
  diagnose: {
    summary: 'walks the network path to the service and to each directory URL, one line per step with the fix',
    options: { config, json },
    notes: ['exit status: 0 all OK; 1 a step failed; 2 could not run'],
  },
  audit: {
    summary: "checks the audit log's hash chain, and against a signed checkpoint that it was neither truncated nor rebuilt",
    args: 'verify',
    options: {
      config,
      file: { type: 'string', value: 'F', help: 'the audit log to check (default: audit.file of the config)' },
      checkpoint: { type: 'string', value: 'F', help: 'the checkpoint the service held (writeback-service agents checkpoint --agent ID), instead of the one beside the log' },
    },
    notes: ['exit status: 0 intact; 1 broken, or no checkpoint to prove it whole'],
  },
  secret: {
    summary: 'manages the secrets that { "secret": NAME } in the config refers to, in the configured secret store',
    args: '(set NAME | list | delete NAME)',
    options: { config },
    notes: [
      '`set` reads the value from a prompt that does not echo when standard input is a terminal,',
      'else from standard input (one line, the final newline dropped): printf %s "$PW" | writeback-agent secret set NAME',
      'exit status: 0 done; 2 with the reason',
    ],
  },
  'install-service': {
    summary: 'Linux: creates the account, directories and a hardened systemd unit, then starts it; Windows: a WinSW service',
    options: {
      config,
      'dry-run': dryRun,
      root,
      user: serviceUser,
      name: serviceName,
      node: { type: 'string', value: 'PATH', help: 'the node binary the service runs (default: the one running this command)' },
      bin: { type: 'string', value: 'PATH', help: "the agent's bin script (default: this installation's)" },
      'encrypted-credentials': { type: 'boolean', help: 'Linux: LoadCredentialEncrypted= from /etc/credstore.encrypted' },
      'service-dir': serviceDir,
      platform,
    },
  },
  'uninstall-service': {
    summary: 'stops, disables and removes the service; state and logs stay unless --purge',
    options: {
      config,
      'dry-run': dryRun,
      purge: { type: 'boolean', help: 'Linux: also remove the state and log directories and the account' },
      root,
      user: serviceUser,
      name: serviceName,
      'service-dir': serviceDir,
      platform,
    },
  },
  demo: {
    summary: 'the whole system on this machine: a simulated directory, the reset service, a registered agent, a few commands',
    options: {
      serve: { type: 'boolean', help: 'stay up after the story with the self-service portal, its mail printed here' },
      port: { type: 'string', value: 'N', help: "with --serve: the service's port (default: a free one)" },
      'both-methods': { type: 'boolean', help: 'with --serve: ask for two verification methods' },
    },
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof CommandSpecs;
