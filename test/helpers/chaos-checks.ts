import type { ExecutionContext } from 'ava';
import { recordFigures, type ScenarioFigures } from './chaos-figures.js';
import type { ChaosRig } from './chaos-rig.js';
import { findSecrets } from './secret-scan.js';

const PASSWORD_OPS = new Set(['resetPassword', 'changePassword']);

/**
 * The checks every chaos scenario ends with (issue 7):
 * - every command issued has exactly one final result stored by the service (none lost, no
 *   second different result for an id);
 * - no password was applied twice: each password command targets its own user, so the directory
 *   must show at most one successful password write per such user; exactly one when the result
 *   is OK (a write claimed but missing is counted as lost), none when it was rejected;
 * - the agents recovered without a person: still running, connected, and answering a fresh
 *   command (the caller's `probe`);
 * - no password used appears in any file the agents wrote (logs, journal, audit, state, stdout, stderr).
 * Then the figures are printed and written to test-artifacts/chaos-figures.json.
 */
export async function finishScenario(
  t: ExecutionContext,
  rig: ChaosRig,
  options: { passwordWrites: (target: string) => number; extra?: Record<string, unknown>; settleMs?: number },
): Promise<ScenarioFigures> {
  const missing = await rig.settle(options.settleMs ?? 60_000);
  const codes: Record<string, number> = {};
  let lost = missing;
  let appliedTwice = 0;
  const problems: string[] = [];
  const targets = new Map<string, number>();
  for (const command of rig.commands) {
    if (PASSWORD_OPS.has(command.op) && command.target !== null) targets.set(command.target, (targets.get(command.target) ?? 0) + 1);
  }
  for (const [target, count] of targets) if (count > 1) problems.push(`scenario bug: ${count} password commands for ${target}`);
  for (const command of rig.commands) {
    const result = rig.result(command.id);
    if (result !== undefined) codes[result.code] = (codes[result.code] ?? 0) + 1;
    if (!PASSWORD_OPS.has(command.op) || command.target === null) continue;
    const writes = options.passwordWrites(command.target);
    if (writes > 1) {
      appliedTwice += writes - 1;
      problems.push(`${command.target}: ${writes} password writes for command ${command.id} (${result?.code ?? 'no result'})`);
    }
    if (result === undefined) continue;
    if (result.code === 'OK' && writes === 0) {
      lost++;
      problems.push(`${command.target}: result OK but no write at the directory (${command.id})`);
    }
    if (result.status === 'rejected' && writes !== 0) problems.push(`${command.target}: rejected (${result.code}) yet written ${writes} time(s)`);
  }
  for (const command of rig.unanswered().slice(0, 5)) problems.push(`no result for ${command.op} ${command.target ?? ''} ${command.id}`);

  const figures: ScenarioFigures = {
    scenario: rig.name,
    commands: rig.commands.length,
    results: rig.commands.length - missing,
    lost,
    appliedTwice,
    conflictingResults: rig.duplicates.conflicting,
    faultsInjected: rig.faultCount,
    faults: Object.fromEntries(rig.faults),
    codes,
    durationMs: Date.now() - rig.startedAt,
    duplicateResults: rig.duplicates.identical,
    ...options.extra,
  };
  t.log(`figures ${rig.name}: ${JSON.stringify(figures)}`);
  const totals = await recordFigures(figures);
  t.log(`chaos totals so far: ${JSON.stringify(totals)}`);

  t.deepEqual(problems, [], 'every command has one result; no password applied twice');
  t.is(missing, 0, 'commands without a result');
  t.is(lost, 0, 'lost');
  t.is(appliedTwice, 0, 'applied twice');
  t.is(rig.duplicates.conflicting, 0, 'a second, different result for one command id');
  return figures;
}

/** The agents recovered by themselves: each is running and connected. */
export function assertAgentsUp(t: ExecutionContext, rig: ChaosRig, agents = rig.agents): void {
  for (const agent of agents) {
    t.true(rig.alive(agent), `${agent.name} is still running`);
    t.truthy(rig.service.session(agent.agentId), `${agent.name} is connected`);
  }
}

/** No password used anywhere in the rig's directory (every agent's logs, journal, audit, state, output). */
export function assertNoSecrets(t: ExecutionContext, rig: ChaosRig, more: string[] = []): void {
  const agentIds = rig.agents.map((a) => a.agentId).filter((id) => id !== '');
  // The scan reads every file: it finds the agent ids, which are meant to be there.
  if (agentIds.length > 0) t.true(findSecrets([rig.dir], agentIds).length > 0, 'the secret scan reads the agent files');
  t.deepEqual(findSecrets([rig.dir], [...rig.passwords, ...more]), [], 'no password in any file the agents wrote');
}
