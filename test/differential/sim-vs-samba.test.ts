import test from 'ava';
import { captureLogger } from '../helpers/capture-logger.js';
import type { Backend } from './backend.js';
import { errorOutcome, type Outcome } from './outcome.js';
import { formatOutcome, outcomeTable } from './outcome-table.js';
import { startSambaBackend } from './samba-backend.js';
import { SCENARIO } from './scenario.js';
import { ScenarioContext } from './scenario-context.js';
import { startSimBackend } from './sim-backend.js';

/**
 * The differential test: one scenario (every driver operation and refusal of the AD driver) run
 * against directory-sim in Samba mode and against a real Samba DC. For every step the outcomes
 * must be equal, and each must meet the step's own expectation. Where they differ the sim is
 * wrong (Samba is the reference), unless the driver is.
 *
 * Both scenarios run in test.before, side by side (each backend's steps in order, they share no
 * state); the serial tests below then judge one step each, so a disagreement names its step.
 */

interface Side {
  backend: Backend;
  context: ScenarioContext;
  logger: ReturnType<typeof captureLogger>;
  outcomes: Outcome[];
  /** Milliseconds each step took. */
  timings: number[];
}

const sides: Side[] = [];

async function runScenario(backend: Backend): Promise<Side> {
  const logger = captureLogger();
  const context = new ScenarioContext(backend, logger);
  const side: Side = { backend, context, logger, outcomes: [], timings: [] };
  sides.push(side);
  for (const step of SCENARIO) {
    const start = performance.now();
    // A step that throws (a bug of the step, not a refusal) is recorded like any outcome, and the scenario goes on.
    side.outcomes.push(await step.run(context).catch(errorOutcome));
    side.timings.push(performance.now() - start);
  }
  return side;
}

test.before(async () => {
  const started = await Promise.allSettled([startSimBackend(), startSambaBackend()]);
  const backends = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(backends.map((backend) => backend.stop()));
    throw failed.reason;
  }
  await Promise.all(backends.map((backend) => runScenario(backend)));
});

test.after.always(async () => {
  for (const side of sides) {
    await side.context.close();
    await side.backend.stop();
  }
});

const sim = () => sides.find((side) => side.backend.name === 'directory-sim')!;
const samba = () => sides.find((side) => side.backend.name === 'samba')!;

for (const [index, step] of SCENARIO.entries()) {
  test.serial(`${String(index + 1).padStart(3, '0')} ${step.name}`, (t) => {
    const fromSim = sim().outcomes[index];
    const fromSamba = samba().outcomes[index];
    t.log(`directory-sim: ${formatOutcome(fromSim)}`);
    t.log(`samba:         ${formatOutcome(fromSamba)}`);
    t.deepEqual(fromSim, fromSamba, 'directory-sim (Samba mode) and the real Samba DC disagree');
    t.like(fromSamba, step.expect, 'samba against the expectation');
    t.like(fromSim, step.expect, 'directory-sim against the expectation');
  });
}

test.serial('the outcome table of both backends', (t) => {
  const names = SCENARIO.map((step) => step.name);
  t.log(`\n${outcomeTable(names, { name: 'directory-sim', outcomes: sim().outcomes }, { name: 'samba', outcomes: samba().outcomes })}`);
  for (const side of sides) {
    const total = side.timings.reduce((sum, ms) => sum + ms, 0);
    const slowest = side.timings
      .map((ms, index) => ({ ms, index }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3)
      .map(({ ms, index }) => `${index + 1} (${Math.round(ms)} ms)`);
    t.log(`${side.backend.name}: ${SCENARIO.length} steps in ${Math.round(total)} ms; slowest ${slowest.join(', ')}`);
  }
  t.is(sim().outcomes.length, SCENARIO.length);
  t.is(samba().outcomes.length, SCENARIO.length);
});

test.serial('no password used appears in the driver logs, AgentError messages or details, or the outcomes', (t) => {
  for (const side of sides) {
    t.true(side.logger.lines.length > 0, `${side.backend.name}: the driver logged something`);
    const haystacks = [side.logger.text(), ...side.context.messages, JSON.stringify(side.outcomes)];
    for (const password of side.context.used) {
      for (const text of haystacks) t.false(text.includes(password), `${side.backend.name}: a password appears in: ${text.slice(0, 120)}`);
    }
  }
});
