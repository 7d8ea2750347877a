/**
 * The simulated reset service as a process, for trying an agent by hand:
 *   tsx service-sim/cli.ts --port 0 [--tls-cert cert.pem --tls-key key.pem] --tenant T [--tokens N] [--v1-only]
 * `--v1-only` serves protocol version 1 only (writeback.v1), as a service that predates version 2.
 * Prints `url=...`, `tenant=...` and one `token=...` line per registration token on stdout, logs on
 * stderr, and runs until SIGINT or SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Subprotocol } from '../protocol/index.js';
import { jsonLineLogger } from '../service/logger.js';
import { ServiceSim } from './service-sim.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    tenant: { type: 'string', default: 'tenant-1' },
    tokens: { type: 'string', default: '1' },
    'heartbeat-ms': { type: 'string', default: '30000' },
    'v1-only': { type: 'boolean', default: false },
  },
});

const certFile = values['tls-cert'];
const keyFile = values['tls-key'];
if ((certFile === undefined) !== (keyFile === undefined)) {
  process.stderr.write('--tls-cert and --tls-key go together\n');
  process.exit(2);
}

const sim = await ServiceSim.start({
  host: values.host,
  port: Number(values.port),
  heartbeatIntervalMs: Number(values['heartbeat-ms']),
  ...(values['v1-only'] ? { subprotocols: [Subprotocol.v1] } : {}),
  ...(certFile !== undefined && keyFile !== undefined ? { tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) } } : {}),
  logger: jsonLineLogger('info'),
});
sim.on('result', ({ agentId, result }) => process.stderr.write(`result ${result.commandId} from ${agentId}: ${result.status} ${result.code}\n`));

process.stdout.write(`url=${sim.url}\ntenant=${values.tenant}\n`);
for (let i = 0; i < Number(values.tokens); i++) process.stdout.write(`token=${sim.issueRegistrationToken(values.tenant)}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sim.stop().then(() => process.exit(0));
  });
}
