import { readFileSync } from 'node:fs';
import { buildResult, openSecret, signHello, signResult, type ResultCode, type SealedSecret } from '../../protocol/index.js';
import { RawAgent } from './raw-agent.js';
import type { ParsedJson } from './service-process.js';
import type { ServiceEnvironment } from './service-environment.js';

/** How the stand-in answers for one user (the directory it pretends to front). */
export interface StandInUser {
  password: string;
  contact: Record<string, string[]>;
  eligible: boolean;
  protected?: boolean;
  /** resetPassword's answer: OK by default; `notApplied` makes it a partial success. */
  resetCode?: ResultCode;
  notApplied?: { what: string; code: string }[];
}

/** A command as the stand-in received it, its secret opened. */
export interface ReceivedCommand {
  op: string;
  user: string;
  params: Record<string, unknown>;
  secret: Record<string, string> | null;
}

/**
 * An agent that answers the portal's operations of docs/self-service.md (getContactInfo,
 * verifyPassword) from a table, over a real WebSocket and real signatures, for the portal's
 * tests while the real agent's support lives on another branch. It registers with a token, says
 * hello with those capabilities, opens sealed secrets with its key and signs every result.
 */
export class PortalStandInAgent {
  readonly commands: ReceivedCommand[] = [];
  #running = true;
  readonly #loop: Promise<void>;

  private constructor(
    private readonly agent: RawAgent,
    private readonly users: Record<string, StandInUser>,
  ) {
    this.#loop = this.#serve();
  }

  static async start(env: ServiceEnvironment, nodeUrl: string, users: Record<string, StandInUser>): Promise<PortalStandInAgent> {
    const url = `${nodeUrl.replace(/^https/, 'wss')}/agent/v1`;
    const ca = readFileSync(env.pki.caFile);
    const run = await env.cli(['token', 'create', '--tenant', env.tenant]);
    if (run.code !== 0) throw new Error(`token create failed: ${run.stderr}`);
    const registering = await RawAgent.connect(url, ca);
    registering.register(run.stdout.trim());
    const reply = await registering.next('registered');
    registering.agentId = reply['agentId'];
    registering.tenantId = reply['tenantId'];
    await registering.closed;
    const agent = await RawAgent.connect(url, ca, registering);
    const challenge = await agent.next('challenge');
    agent.send(
      signHello(
        { type: 'hello', agentId: agent.agentId, tenantId: agent.tenantId, agentVersion: '0.0.1', capabilities: ['resetPassword', 'unlockAccount', 'getAccountState', 'getContactInfo', 'verifyPassword'], maxInFlight: 4, nonce: challenge['nonce'], sentAt: new Date().toISOString() },
        agent.signing.privateKey,
      ),
    );
    await agent.next('welcome');
    return new PortalStandInAgent(agent, users);
  }

  async #serve(): Promise<void> {
    while (this.#running) {
      let frame: ParsedJson;
      try {
        frame = await this.agent.next('command', 500);
      } catch {
        continue;
      }
      this.#answer(frame['command']);
    }
  }

  #answer(command: ParsedJson): void {
    const id = command['id'] as string;
    this.agent.send({ type: 'ack', commandId: id });
    const opened = command['secret'] === undefined ? null : openSecret(command['secret'] as SealedSecret, this.agent.encryption.privateKey, this.agent.encryption.publicKey, id);
    const secret = opened?.ok === true ? opened.secret : null;
    const userName = String(command['target']?.['value'] ?? '');
    const op = String(command['op']);
    this.commands.push({ op, user: userName, params: command['params'], secret });
    const user = this.users[userName];
    let code: ResultCode = 'OK';
    let details: Record<string, unknown> = {};
    if (user === undefined) code = 'USER_NOT_FOUND';
    else if (op === 'getContactInfo') {
      details = user.eligible ? { eligible: true, eligibility: 'GROUP_MEMBER', protected: user.protected === true, protectedSelfService: user.protected === true, contact: user.contact } : { eligible: false, eligibility: 'NOT_IN_ALLOWED_GROUP', contact: {} };
    } else if (op === 'verifyPassword') {
      if (!user.eligible) [code, details] = ['OUT_OF_SCOPE', { reason: 'NOT_ELIGIBLE', eligible: false }];
      else if (secret?.['password'] !== user.password) code = 'WRONG_PASSWORD';
      else details = { verified: true, eligible: true };
    } else if (op === 'resetPassword') {
      code = user.resetCode ?? 'OK';
      if (code === 'OK' && user.notApplied !== undefined) details = { notApplied: user.notApplied };
    }
    const result = buildResult({ commandId: id, agentId: this.agent.agentId, code, message: code, details, completedAt: new Date() });
    this.agent.send(signResult(result, this.agent.signing.privateKey));
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    this.agent.close();
    await this.agent.closed;
  }
}
