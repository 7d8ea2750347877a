import type { ExecutionContext } from 'ava';
import { ServiceSim, type ServiceLogger, type ServiceSimOptions } from '../../../service-sim/index.js';
import { TestAgent, registerIdentity, type AgentIdentity, type TestAgentOptions } from './test-agent.js';

export const TENANT = 'tenant-a';

/** A logger that keeps every line, so tests can check what was (and was not) logged. */
export function recordingLogger(): ServiceLogger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string, meta?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A fresh service for one test, stopped at its end. */
export async function startService(t: ExecutionContext, options: ServiceSimOptions = {}): Promise<ServiceSim> {
  const sim = await ServiceSim.start(options);
  t.teardown(() => sim.stop());
  return sim;
}

/** Registers an agent over the wire for `tenantId`. */
export async function newIdentity(sim: ServiceSim, tenantId = TENANT): Promise<AgentIdentity> {
  return registerIdentity(sim.url, sim.issueRegistrationToken(tenantId));
}

/** Connects a test agent (closed at the end of the test) and checks it got `welcome`. */
export async function connectAgent(t: ExecutionContext, sim: ServiceSim, identity: AgentIdentity, options: TestAgentOptions = {}): Promise<TestAgent> {
  const agent = await TestAgent.connect(sim.url, identity, options);
  t.teardown(() => agent.terminate());
  if (agent.messages.find((message) => message.type === 'welcome') === undefined) throw new Error('the test agent got no welcome');
  return agent;
}
