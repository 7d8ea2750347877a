import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { loadDriverFactory } from '../../directory/load-driver-factory.js';
import { AgentRuntime, type RuntimeOptions } from '../../runtime/agent-runtime.js';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';

/**
 * `run --config F`: runs until SIGTERM/SIGINT, then stops taking commands, finishes or journals
 * those in flight, closes the WebSocket with 1001 and exits 0 within 10 s.
 */
export async function runCommand(argv: string[], options: Pick<RuntimeOptions, 'fsync'> = {}): Promise<number> {
  const { values } = parseFlags(argv, CommandSpecs.run.options, 'run');
  const config = await loadConfig(configPathFrom(values.config));
  const runtime = await AgentRuntime.start(config, { ...options, createDriver: await loadDriverFactory(config.directories) });
  runtime.logger.info('agent started', { directories: config.directories.map((d) => d.id) });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      runtime.logger.info('stopping', { signal });
      // A hard deadline: AGENT-INTERFACE.md promises an exit within 10 s.
      const deadline = setTimeout(() => resolve(0), 9_500);
      deadline.unref();
      runtime.stop(8_000).then(
        () => resolve(0),
        () => resolve(0),
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
