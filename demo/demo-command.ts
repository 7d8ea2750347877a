import { SetupError } from '../agent/errors.js';
import { runDemo } from './run-demo.js';
import { parseFlags } from '../agent/cli/args.js';
import { CommandSpecs } from '../agent/cli/command-specs.js';

/**
 * `demo [--serve [--port N] [--both-methods]]`: the whole system on this machine with nothing
 * installed beyond the package. With --serve it stays up after the story with the portal and the help desk.
 */
export async function demoCommand(argv: string[] = []): Promise<number> {
  const { values } = parseFlags(argv, CommandSpecs.demo.options, 'demo');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new SetupError('CONFIG', `demo: --port must be a port number, not ${JSON.stringify(values.port)}`);
  if (values.serve !== true && (values.port !== undefined || values['both-methods'] === true)) throw new SetupError('CONFIG', 'demo: --port and --both-methods go with --serve');
  return runDemo(undefined, values.serve === true ? { serve: { port, requiredMethods: values['both-methods'] === true ? 2 : 1 } } : {});
}
