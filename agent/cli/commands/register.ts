import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { SetupError } from '../../errors.js';
import { registerAgent } from '../../runtime/register-agent.js';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';

/** `register --config F --token T [--url U] [--name N]` (SPEC.md section 4). Prints the agentId. */
export async function registerCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, CommandSpecs.register.options, 'register');
  if (values.token === undefined || values.token === '') {
    throw new SetupError('CONFIG', 'register: --token is required: copy a one-time registration token from the reset service');
  }
  if (values.url !== undefined && !/^wss?:\/\//.test(values.url)) throw new SetupError('CONFIG', `register: --url must be a wss:// URL (got ${values.url})`);
  const config = await loadConfig(configPathFrom(values.config));
  const registration = await registerAgent(config, {
    token: values.token,
    ...(values.url === undefined ? {} : { url: values.url }),
    ...(values.name === undefined ? {} : { name: values.name }),
  });
  process.stdout.write(`${registration.agentId}\n`);
  return 0;
}
