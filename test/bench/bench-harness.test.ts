import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { benchMain } from '../../bench/cli.js';
import type { BenchReport } from '../../bench/bench-report.js';

// A smoke test of the bench harness with a tiny load: it checks the JSON's shape, never a figure.

test('npm run bench with a tiny load writes a report of the documented shape', async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'wba-bench-smoke-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const returned = await benchMain([
    '--directories',
    'directory-sim',
    '--commands',
    '30',
    '--rate',
    '20',
    '--rate-seconds',
    '1',
    '--min-steady',
    '0',
    '--scale',
    'none',
    '--soak',
    '0',
    '--out',
    out,
    '--chart',
    join(out, 'latency.svg'),
    '--tsx',
    '--floor-commands',
    '40',
    '--service-sequential',
    '4',
    '--service-burst',
    '20',
    '--service-sides',
    'service-sim,sqlite',
  ]);
  const report = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8')) as BenchReport;
  t.deepEqual(report, JSON.parse(JSON.stringify(returned)));
  t.true(report.machine.nproc >= 1);
  t.is(report.machine.loadAverage.length, 3);
  t.is(report.agentLaunch, 'tsx');
  t.is(report.cryptoFloor?.commands, 40);
  t.true((report.cryptoFloor?.startUs ?? 0) > 0 && (report.cryptoFloor?.endUs ?? 0) > 0, JSON.stringify(report.cryptoFloor));
  const [sim] = report.directories;
  t.is(report.directories.length, 1);
  t.is(sim?.key, 'directory-sim');
  // Four alternating blocks a side by default, pooled into one figure each.
  t.is(sim?.rounds, 4);
  t.is(sim?.agent.commands, 30);
  t.is(sim?.agent.ok, 30, `first failure: ${sim?.agent.firstFailure ?? '-'}`);
  t.true((sim?.agent.perSecond ?? 0) > 0, `perSecond ${sim?.agent.perSecond}`);
  t.true((sim?.agent.cpuUsPerCommand ?? 0) > 0, `cpuUsPerCommand ${sim?.agent.cpuUsPerCommand}`);
  t.is(sim?.baseline.operations, 30);
  t.is(sim?.baseline.failed, 0);
  t.is(sim?.steady.rate, 20);
  t.is(sim?.steady.agent.count, 20);
  t.is(sim?.steady.baseline.count, 20);
  for (const key of ['p50', 'p95', 'p99', 'max'] as const) t.true((sim?.steady.agent[key] ?? 0) > 0, key);
  t.true(report.verdicts.some((v) => v.target.startsWith('directory-sim')));
  t.true(report.verdicts.every((v) => typeof v.pass === 'boolean' && v.value.length > 0));
  t.regex(await readFile(join(out, 'latency.svg'), 'utf8'), /^<svg [^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
  t.regex(await readFile(join(out, 'latest.md'), 'utf8'), /\| directory-sim \(1000 users\) \|/);
  t.regex(await readFile(join(out, 'latest.md'), 'utf8'), /ran in 4 alternating blocks each/);
  t.regex(await readFile(join(out, 'latest.md'), 'utf8'), /unavoidable work per command .* took [\d.]+ µs of CPU at the start and [\d.]+ at the end/);
  // The service tier: service-sim and the real service on SQLite, in the same four alternating blocks.
  const tier = report.serviceTier;
  t.deepEqual(
    tier?.rows.map((row) => row.key),
    ['service-sim', 'sqlite'],
  );
  t.is(tier?.rounds, 4);
  for (const row of tier?.rows ?? []) {
    t.is(row.burstCommands, 20, row.key);
    t.is(row.latency.count, 4, row.key);
    t.true(row.latency.p50 > 0 && row.commandsPerSecond > 0, JSON.stringify(row));
    // A node's CPU comes from /proc in 10 ms clock ticks: five commands a block may take less than one.
    // service-sim's comes from process.cpuUsage() in microseconds.
    t.true(Number.isFinite(row.cpuMsPerCommand) && (row.key === 'service-sim' ? row.cpuMsPerCommand > 0 : row.cpuMsPerCommand >= 0), JSON.stringify(row));
  }
  t.deepEqual(
    report.verdicts.filter((v) => v.target.startsWith('Service:')).map((v) => v.target),
    ['Service: CPU per command of a SQLite node <= 2x service-sim (same run)', 'Service: throughput on SQLite >= 80% of service-sim (same run)'],
  );
  t.regex(await readFile(join(out, 'latest.md'), 'utf8'), /\| writeback-service, SQLite \(synchronous=full, the default\) \| [\d.]+ \| [\d.]+ \| \d+ \| [\d.]+ \|/);
  t.regex(await readFile(join(out, 'latest.md'), 'utf8'), /- (PASS|MISS) Service: throughput on SQLite >= 80% of service-sim \(same run\): [\d.]+%/);
});
