import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { SetupError } from '../../errors.js';
import { registerAgent } from '../../runtime/register-agent.js';
import { printable } from '../../logging/printable-text.js';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';
import { readRegistrationToken } from '../token-source.js';

/** `register --config F (--token T | --token-file F | --token-stdin) [--url U] [--name N]` (SPEC.md section 4). Prints the agentId. */
export async function registerCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, CommandSpecs.register.options, 'register');
  const token = await readRegistrationToken(values);
  if (values.url !== undefined && !/^wss?:\/\//.test(values.url)) throw new SetupError('CONFIG', `register: --url must be a wss:// URL (got ${values.url})`);
  const config = await loadConfig(configPathFrom(values.config));
  const registration = await registerAgent(config, {
    token,
    ...(values.url === undefined ? {} : { url: values.url }),
    ...(values.name === undefined ? {} : { name: values.name }),
  });
  // The agentId comes from the service: printed without control characters.
  process.stdout.write(`${printable(registration.agentId)}\n`);
  return 0;
}
