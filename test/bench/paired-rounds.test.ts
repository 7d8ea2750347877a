import test from 'ava';
import type { AgentLoadResult } from '../../bench/agent-load.js';
import type { BaselineResult } from '../../bench/ldap-baseline.js';
import { alternate, blockSizes, poolAgentRuns, poolBaselineRuns } from '../../bench/paired-rounds.js';
import { summarizeLatency } from '../../bench/percentiles.js';

test('blockSizes splits evenly, larger blocks first, and never makes an empty block', (t) => {
  t.deepEqual(blockSizes(300, 4), [75, 75, 75, 75]);
  t.deepEqual(blockSizes(170, 4), [43, 43, 42, 42]);
  t.deepEqual(blockSizes(3, 4), [1, 1, 1]);
  t.deepEqual(blockSizes(10, 1), [10]);
  t.deepEqual(blockSizes(10, 0), [10]);
});

test('alternate runs the sides in ABBA order over the same users, block by block', async (t) => {
  const calls: string[] = [];
  const runs = await alternate(
    10,
    4,
    (count, first) => (calls.push(`A${first}+${count}`), Promise.resolve(`a${first}`)),
    (count, first) => (calls.push(`B${first}+${count}`), Promise.resolve(`b${first}`)),
  );
  t.deepEqual(calls, ['A0+3', 'B0+3', 'B3+3', 'A3+3', 'A6+2', 'B6+2', 'B8+2', 'A8+2']);
  t.deepEqual(runs, { agent: ['a0', 'a3', 'a6', 'a8'], baseline: ['b0', 'b3', 'b6', 'b8'] });
});

function agentRun(over: Partial<AgentLoadResult> & { samples: number[] }): AgentLoadResult {
  return {
    commands: over.samples.length,
    ok: over.samples.length,
    failures: {},
    firstFailure: null,
    seconds: 1,
    perSecond: 0,
    latency: summarizeLatency(over.samples),
    cpuUsPerCommand: 0,
    mainThreadCpuUsPerCommand: 0,
    serviceCpuUsPerCommand: 0,
    cpuSystemShare: 0,
    rssMb: 0,
    peakRssMb: 0,
    ...over,
  };
}

test('poolAgentRuns adds up counts and seconds, pools the latencies and weights CPU by commands', (t) => {
  const fast = agentRun({ samples: [1, 1, 1], seconds: 1, cpuUsPerCommand: 100, mainThreadCpuUsPerCommand: 80, serviceCpuUsPerCommand: 10, cpuSystemShare: 0.1, rssMb: 70, peakRssMb: 90 });
  const slow = agentRun({
    samples: [9],
    ok: 0,
    failures: { BUSY: 1 },
    firstFailure: 'BUSY: later',
    seconds: 3,
    cpuUsPerCommand: 500,
    mainThreadCpuUsPerCommand: 400,
    serviceCpuUsPerCommand: 30,
    cpuSystemShare: 0.3,
    rssMb: 75,
    peakRssMb: 80,
  });
  const pooled = poolAgentRuns([fast, slow]);
  t.is(pooled.commands, 4);
  t.is(pooled.ok, 3);
  t.deepEqual(pooled.failures, { BUSY: 1 });
  t.is(pooled.firstFailure, 'BUSY: later');
  t.is(pooled.seconds, 4);
  // Commands over seconds (1/s), not the mean of the blocks' rates (3/s and 0.33/s).
  t.is(pooled.perSecond, 1);
  t.deepEqual(pooled.latency, summarizeLatency([1, 1, 1, 9]));
  t.is(pooled.cpuUsPerCommand, 200);
  t.is(pooled.mainThreadCpuUsPerCommand, 160);
  t.is(pooled.serviceCpuUsPerCommand, 15);
  // System CPU over all CPU: (300 * 0.1 + 500 * 0.3) / 800.
  t.is(pooled.cpuSystemShare, 0.225);
  t.is(pooled.rssMb, 75);
  t.is(pooled.peakRssMb, 90);
  t.deepEqual(pooled.samples, [1, 1, 1, 9]);
  t.throws(() => poolAgentRuns([]));
});

test('poolBaselineRuns pools the same way', (t) => {
  const run = (samples: number[], seconds: number, clientCpuUsPerOperation: number, failed = 0): BaselineResult => ({
    operations: samples.length,
    failed,
    seconds,
    perSecond: samples.length / seconds,
    latency: summarizeLatency(samples),
    clientCpuUsPerOperation,
    samples,
  });
  const pooled = poolBaselineRuns([run([2, 2], 0.5, 50), run([4, 4, 4, 4, 4, 4], 1.5, 90, 1)]);
  t.is(pooled.operations, 8);
  t.is(pooled.failed, 1);
  t.is(pooled.seconds, 2);
  t.is(pooled.perSecond, 4);
  t.deepEqual(pooled.latency, summarizeLatency([2, 2, 4, 4, 4, 4, 4, 4]));
  t.is(pooled.clientCpuUsPerOperation, 80);
  t.throws(() => poolBaselineRuns([]));
});
