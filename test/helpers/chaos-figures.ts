import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What one chaos scenario reports; the suite's totals are the sums. */
export interface ScenarioFigures {
  scenario: string;
  commands: number;
  /** Commands with a stored result. */
  results: number;
  /** Issued commands without a stored result at the end, plus OK results whose write is missing. */
  lost: number;
  /** Extra successful password writes beyond one per command. */
  appliedTwice: number;
  /** A second, different verified result for an id that had one. */
  conflictingResults: number;
  faultsInjected: number;
  faults: Record<string, number>;
  codes: Record<string, number>;
  durationMs: number;
  [extra: string]: unknown;
}

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts', import.meta.url));
const PARTS = join(ARTIFACTS, 'chaos-figures');
const LOCK = join(ARTIFACTS, 'chaos-figures.lock');

/**
 * Writes this scenario's figures to test-artifacts/chaos-figures/<scenario>.json and rebuilds
 * test-artifacts/chaos-figures.json (every scenario plus totals) under a lock directory: ava runs
 * the chaos files in parallel worker processes.
 */
export async function recordFigures(figures: ScenarioFigures): Promise<Record<string, unknown>> {
  mkdirSync(PARTS, { recursive: true });
  const part = join(PARTS, `${figures.scenario}.json`);
  writeFileSync(`${part}.tmp`, `${JSON.stringify({ ...figures, at: new Date().toISOString() }, null, 2)}\n`);
  renameSync(`${part}.tmp`, part);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  try {
    const scenarios = readdirSync(PARTS)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(PARTS, name), 'utf8')) as ScenarioFigures);
    const sum = (key: 'commands' | 'results' | 'lost' | 'appliedTwice' | 'conflictingResults' | 'faultsInjected') => scenarios.reduce((total, s) => total + (s[key] ?? 0), 0);
    const summary = {
      totals: {
        scenarios: scenarios.length,
        commands: sum('commands'),
        results: sum('results'),
        faultsInjected: sum('faultsInjected'),
        lost: sum('lost'),
        appliedTwice: sum('appliedTwice'),
        conflictingResults: sum('conflictingResults'),
        hostileFrames: scenarios.reduce((total, s) => total + (typeof s['hostileFrames'] === 'number' ? s['hostileFrames'] : 0), 0),
      },
      scenarios,
    };
    writeFileSync(join(ARTIFACTS, 'chaos-figures.json.tmp'), `${JSON.stringify(summary, null, 2)}\n`);
    renameSync(join(ARTIFACTS, 'chaos-figures.json.tmp'), join(ARTIFACTS, 'chaos-figures.json'));
    return summary.totals;
  } finally {
    rmdirSync(LOCK);
  }
}
