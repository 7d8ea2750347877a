/**
 * The agent's unavoidable work per command, timed in the bench's own process: parse a command
 * frame, validate it, JCS and the Ed25519 check of its signature, open its sealed secret (X25519,
 * HKDF, AES-GCM), then build, sign and encode the result. The same protocol functions the agent
 * calls, nothing else (no journal, no LDAP, no sockets).
 *
 * Issue 9 set its targets from this figure (about 265 µs of one core on the machine that measured
 * it). This VM's speed swings by tens of per cent within an hour, so the bench times the floor at
 * its start and at its end: an agent figure read next to the floor of the same run says how much
 * of a MISS is the machine's period and how much the agent.
 */
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import {
  authenticateCommand,
  buildResult,
  decodeFrame,
  encodeMessage,
  formatTime,
  generateKeyPair,
  keyPairFromJwk,
  openSecret,
  sealSecret,
  signCommand,
  signResult,
  TrustedKeys,
  type Command,
} from '../protocol/index.js';

export interface CryptoFloor {
  /** CPU (user + system) per command of the chain above, µs. */
  cpuUsPerCommand: number;
  commands: number;
}

const AGENT_ID = 'agent-floor';
const TENANT_ID = 'tenant-floor';

/** Times `commands` distinct frames after `warmup` untimed ones. Throws if the chain refuses a frame. */
export function measureCryptoFloor(commands = 3_000, warmup = 1_000): CryptoFloor {
  const service = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
  const agentSigning = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
  const agentSealing = keyPairFromJwk(generateKeyPair('X25519').jwk);
  const trusted = new TrustedKeys([{ kid: 'k1', publicKey: service.publicKeyRaw }]);
  const context = { trusted, agentId: AGENT_ID, tenantId: TENANT_ID };
  const frames = Array.from({ length: warmup + commands }, (_, index) => commandFrame(index, service.privateKey, agentSealing.publicKey));

  const run = (from: number, to: number): void => {
    for (let index = from; index < to; index++) {
      const decoded = decodeFrame(frames[index]!, false);
      if (!decoded.ok) throw new Error(`crypto floor: frame ${index} did not parse: ${decoded.reason}`);
      const authenticated = authenticateCommand(decoded.raw, context);
      if (!authenticated.ok) throw new Error(`crypto floor: frame ${index} refused: ${authenticated.reason}`);
      const { command } = authenticated.message;
      const opened = openSecret(command.secret!, agentSealing.privateKey, agentSealing.publicKey, command.id);
      if (!opened.ok) throw new Error(`crypto floor: frame ${index} secret did not open: ${opened.reason}`);
      const result = buildResult({
        commandId: command.id,
        agentId: AGENT_ID,
        code: 'OK',
        message: 'password reset',
        details: { dn: `uid=floor${index},ou=people,dc=example,dc=org`, appliedAt: command.issuedAt },
        completedAt: new Date(),
      });
      encodeMessage(signResult(result, agentSigning.privateKey));
    }
  };

  run(0, warmup);
  const before = process.cpuUsage();
  run(warmup, warmup + commands);
  const used = process.cpuUsage(before);
  return { cpuUsPerCommand: Math.round(((used.user + used.system) / commands) * 10) / 10, commands };
}

function commandFrame(index: number, servicePrivateKey: KeyObject, agentSealingKey: KeyObject): string {
  const id = randomUUID();
  const issuedAt = new Date();
  const command: Command = {
    id,
    tenantId: TENANT_ID,
    agentId: AGENT_ID,
    op: 'resetPassword',
    directory: 'corp',
    target: { by: 'uid', value: `floor${index}` },
    params: { forceChangeAtNextLogon: false, unlock: false, enforceMinimumAge: true, enforceHistory: true },
    // A throwaway value, never printed: what matters is its length, like a real password's.
    secret: sealSecret({ newPassword: randomBytes(12).toString('base64url') }, agentSealingKey, id),
    issuedAt: formatTime(issuedAt),
    expiresAt: formatTime(new Date(issuedAt.getTime() + 600_000)),
  };
  return encodeMessage(signCommand(command, 'k1', servicePrivateKey));
}
