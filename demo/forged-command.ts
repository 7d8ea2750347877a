import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { encodeMessage, parseAgentFrame, publicKeyFromRaw, sealSecret, signCommand, type Command, type CommandTarget, type Operation, type Result } from '../protocol/index.js';
import { getAgent } from '../service/store/agents.js';
import type { DemoEnvironment } from './demo-environment.js';

const ANSWER_WAIT_MS = 10_000;

/**
 * What an attacker who took over the service's network could send: a well-formed command, its
 * secret sealed to the agent, under the service's key id but signed with a key of their own, down
 * the agent's real session. Resolves with the agent's answer, read off that session.
 */
export async function sendForgedCommand(env: DemoEnvironment, spec: { op: Operation; target: CommandTarget; params: Record<string, unknown>; secret: Record<string, string> }): Promise<Result> {
  const session = env.service.gateway.sessions.get(env.agentId);
  const agent = await getAgent(env.service.context.store.db, env.agentId);
  const sealTo = agent === undefined ? null : publicKeyFromRaw(agent.encryption_key, 'X25519');
  if (session === undefined || sealTo === null) throw new Error('the agent has no session with the service');
  const id = randomUUID();
  const now = Date.now();
  const command: Command = {
    id,
    tenantId: env.tenant.id,
    agentId: env.agentId,
    op: spec.op,
    target: spec.target,
    params: spec.params,
    secret: sealSecret(spec.secret, sealTo, id),
    issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 60_000).toISOString(),
  };
  const attackerKey = generateKeyPairSync('ed25519').privateKey;
  const { ws } = session.connection;
  return new Promise<Result>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error(`the agent did not answer the forged command within ${ANSWER_WAIT_MS} ms`));
    }, ANSWER_WAIT_MS);
    const onMessage = (data: Buffer, isBinary: boolean): void => {
      const parsed = parseAgentFrame(data, isBinary);
      if (!parsed.ok || parsed.message.type !== 'result' || parsed.message.result.commandId !== id) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(parsed.message.result);
    };
    ws.on('message', onMessage);
    ws.send(encodeMessage(signCommand(command, session.commandKey.kid, attackerKey)));
  });
}
