import { stat } from 'node:fs/promises';
import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { SetupError } from '../../errors.js';
import { openSecretStore } from '../../secrets/open-secret-store.js';
import { assertSecretName, isAgentKeyName } from '../../secrets/secret-store.js';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';
import { readSecretValue } from '../read-secret-value.js';

/**
 * `secret set NAME | list | delete NAME --config F`: the secrets `{ "secret": NAME }` refers to, in
 * the store the config names. Values are never printed; `list` shows names only.
 */
export async function secretCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, CommandSpecs.secret.options, 'secret');
  const [action, name, ...extra] = positionals;
  const usage = 'the subcommands are `secret set NAME`, `secret list` and `secret delete NAME`';
  if (action === undefined || !['set', 'list', 'delete'].includes(action))
    throw new SetupError('CONFIG', `${action === undefined ? 'no subcommand' : `unknown subcommand ${JSON.stringify(action)}`}; ${usage}`);
  if (extra.length > 0 || (action === 'list') !== (name === undefined)) throw new SetupError('CONFIG', `wrong arguments for \`secret ${action}\`; ${usage}`);
  if (name !== undefined) {
    try {
      assertSecretName(name);
    } catch (error) {
      throw new SetupError('CONFIG', (error as Error).message);
    }
    if (isAgentKeyName(name)) throw new SetupError('CONFIG', `${name} is one of the agent's own keys, which only \`writeback-agent register\` writes; pick another name`);
  }
  const config = await loadConfig(configPathFrom(values.config));
  if (config.secretStore === 'file') await assertStateDirIsMine(config.stateDir);
  const store = await openSecretStore(config.secretStore, { stateDir: config.stateDir });
  const where = `the ${store.kind} secret store`;
  if (action === 'list') {
    const names = await store.list();
    for (const stored of names) process.stdout.write(`${stored}${isAgentKeyName(stored) ? "    (the agent's own key, written by register)" : ''}\n`);
    if (names.length === 0) process.stderr.write(`no secrets in ${where}\n`);
    return 0;
  }
  if (name === undefined) return 2;
  if (action === 'delete') {
    if (!(await store.delete(name))) throw new SetupError('CONFIG', `there is no secret ${name} in ${where}; \`writeback-agent secret list\` shows the names`);
    process.stdout.write(`deleted the secret ${name} from ${where}\n`);
    return 0;
  }
  const value = await readSecretValue(name);
  await store.set(name, value);
  process.stdout.write(`stored the secret ${name} in ${where}; the config refers to it as { "secret": "${name}" }\n`);
  return 0;
}

/**
 * The agent's account must be able to read what is stored: run as root on a state directory the
 * agent owns, the file store would refuse (or, on a fresh one, create files the agent cannot read).
 */
async function assertStateDirIsMine(stateDir: string): Promise<void> {
  const me = process.getuid?.();
  if (me === undefined) return;
  const owner = await stat(stateDir).then(
    (s) => s.uid,
    () => null,
  );
  if (owner !== null && owner !== me) {
    throw new SetupError(
      'SECRET_STORE',
      `${stateDir} (stateDir) belongs to uid ${owner}, not to you (uid ${me}); run this as the agent's account, e.g. sudo -u writeback-agent writeback-agent secret ...`,
    );
  }
}
