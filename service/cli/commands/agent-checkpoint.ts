import { agentIdArgument } from '../../commands/remove-agent.js';
import { ServiceError } from '../../errors.js';
import { getAgent } from '../../store/agents.js';
import { auditCheckpointHistory, auditCheckpointRegressions, latestAuditCheckpoint } from '../../store/audit-checkpoints.js';
import { CHECKPOINT_REGRESSION_TEXT } from '../../store/checkpoint-regression.js';
import { withContext } from '../cli-context.js';
import { parseFlags, required } from '../flags.js';

/**
 * `agents checkpoint --agent ID`: the agent's latest good audit checkpoint as the agent signed it,
 * one JSON line on stdout, for `writeback-agent audit verify --checkpoint FILE` on the agent's host.
 * Every checkpoint that did not extend the one before it goes to stderr as `REGRESSED`, with both
 * checkpoints, so redirecting stdout to a file still shows it. `--history`: every checkpoint held,
 * oldest first, one JSON line each, to check the log against one from before a rewrite; the nodes
 * prune those received more than `agents.checkpointHistoryDays` ago except the regressions and the
 * latest, which stderr says. Exit 1 when the agent reported none yet.
 */
export async function agentCheckpointCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { agent: { type: 'string' }, history: { type: 'boolean' } });
  if (positionals.length !== 0) throw new ServiceError('USAGE', 'usage: writeback-service agents checkpoint --agent ID [--history]');
  const agentId = agentIdArgument(required(values.agent, 'agent', 'agents checkpoint'));
  const held = await withContext(values, async ({ store, config }) => {
    if ((await getAgent(store.db, agentId)) === undefined) throw new ServiceError('USAGE', `no agent ${JSON.stringify(agentId)}; see \`writeback-service agents list\``);
    return {
      historyDays: config.agents.checkpointHistoryDays,
      latest: await latestAuditCheckpoint(store.db, agentId),
      regressions: await auditCheckpointRegressions(store.db, agentId),
      history: values.history === true ? await auditCheckpointHistory(store.db, agentId) : null,
    };
  });
  for (const event of held.regressions) {
    process.stderr.write(
      `REGRESSED (received ${event.receivedAt}): ${regressionText(event.regression)}\n  previous: ${event.previous === null ? 'unknown (not stored)' : JSON.stringify(event.previous)}\n  then:     ${JSON.stringify(event.checkpoint)}\n`,
    );
  }
  if (held.latest === null) {
    process.stderr.write(`agent ${agentId} has reported no audit checkpoint yet (it reports one after each session starts, on a version-2 session with the auditCheckpoint feature)\n`);
    return 1;
  }
  if (held.history !== null) {
    process.stderr.write(`history: the checkpoints received in the last ${held.historyDays} days (agents.checkpointHistoryDays), every regression, and the latest; the service prunes the others\n`);
  }
  const shown = held.history ?? [held.latest.checkpoint];
  process.stdout.write(shown.map((checkpoint) => `${JSON.stringify(checkpoint)}\n`).join(''));
  return 0;
}

/** The text of a stored judgement; one a newer node wrote, which this version has no text for, is still a regression and shown by name. */
function regressionText(regression: string): string {
  return Object.hasOwn(CHECKPOINT_REGRESSION_TEXT, regression)
    ? CHECKPOINT_REGRESSION_TEXT[regression as keyof typeof CHECKPOINT_REGRESSION_TEXT]
    : `${regression} (a judgement this version of writeback-service does not describe)`;
}
