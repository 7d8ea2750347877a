import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { DataDir } from '../../config/data-dir.js';
import { ServiceError } from '../../errors.js';
import { jsonLineLogger, type LogLevel } from '../../logger.js';
import { ServiceNode } from '../../service-node.js';
import { parseFlags } from '../flags.js';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** `serve`: prints `listening on URL` when ready; SIGTERM (or SIGINT) drains and exits 0. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { listen: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'log-level': { type: 'string' } });
  const dataDir = DataDir.from(values.data);
  const config = dataDir.readConfig();
  if (values.db !== undefined) config.database.url = values.db;
  const cert = values['tls-cert'] ?? (config.tls.cert === null ? undefined : dataDir.resolve(config.tls.cert));
  const key = values['tls-key'] ?? (config.tls.key === null ? undefined : dataDir.resolve(config.tls.key));
  if ((cert === undefined) !== (key === undefined)) throw new ServiceError('USAGE', '--tls-cert and --tls-key go together (or neither, for plain HTTP behind a TLS-terminating proxy)');
  if (cert !== undefined && key !== undefined) checkTlsFiles(cert, key);
  const level = (values['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new ServiceError('USAGE', `--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const logger = jsonLineLogger(level);
  const node = await ServiceNode.start({ dataDir, config, listen: values.listen ?? config.listen, tls: cert === undefined || key === undefined ? null : { cert, key }, logger });
  // The handlers go in before the "listening on" line: a supervisor may send SIGTERM as soon as it reads it.
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  process.stdout.write(`listening on ${node.url}\n`);
  logger.info('agent endpoint', { url: `${node.url.replace(/^http/, 'ws')}/agent/v1` });
  await stopped;
  await node.stop();
  return 0;
}

/** A certificate or key that cannot be read or used stops `serve` with the file named, before anything starts. */
function checkTlsFiles(cert: string, key: string): void {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ServiceError(
        'CONFIG',
        `cannot read the TLS ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check --tls-${what === 'certificate' ? 'cert' : 'key'} (or tls in service.json) and the file's permissions`,
        { cause: error },
      );
    }
  };
  const [certPem, keyPem] = [read(cert, 'certificate'), read(key, 'key')];
  try {
    createSecureContext({ cert: certPem, key: keyPem });
  } catch (error) {
    // OpenSSL's reason names the problem (no PEM, key values mismatch); never the key's bytes.
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? 'unusable') : 'unusable';
    throw new ServiceError('CONFIG', `the TLS certificate ${cert} and key ${key} cannot be used (${reason}); give PEM files, the key matching the certificate`, { cause: error });
  }
}
