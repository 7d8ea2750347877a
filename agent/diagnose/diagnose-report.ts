import type { StepResult } from './network-causes.js';

/** Exit statuses of `diagnose` (AGENT-INTERFACE.md). */
export const DiagnoseExit = {
  allOk: 0,
  somethingFailed: 1,
  couldNotRun: 2,
} as const;

/** 1 when a step failed, else 0 (WARN lines do not fail the run). */
export function diagnoseExitStatus(lines: readonly StepResult[]): number {
  return lines.some((line) => line.status === 'FAIL') ? DiagnoseExit.somethingFailed : DiagnoseExit.allOk;
}

/** The `--json` document: ok, and every step with its cause code and fix. */
export function diagnoseJson(lines: readonly StepResult[]): Record<string, unknown> {
  return { ok: diagnoseExitStatus(lines) === DiagnoseExit.allOk, steps: lines };
}

const STATUS_WORD = { OK: 'OK', WARN: 'WARN', FAIL: 'FAIL', SKIPPED: 'SKIP' } as const;

/** One heading per target, one line per step (status, step, what was found), the fix indented under what is not OK. */
export function diagnoseText(lines: readonly StepResult[]): string {
  const out: string[] = [];
  let heading = '';
  for (const line of lines) {
    const next = line.path === 'service' ? `service ${line.target}` : `directory ${line.directory ?? ''} ${line.target}`;
    if (next !== heading) {
      if (heading !== '') out.push('');
      out.push(next);
      heading = next;
    }
    out.push(`${STATUS_WORD[line.status].padEnd(5)} ${line.step}: ${line.detail}`);
    if (line.fix !== undefined && line.status !== 'OK') out.push(`      fix: ${line.fix}`);
  }
  const failed = lines.filter((line) => line.status === 'FAIL');
  const warned = lines.filter((line) => line.status === 'WARN').length;
  out.push(
    '',
    failed.length === 0
      ? `all steps OK${warned > 0 ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}`
      : `failed: ${failed.map((line) => `${line.path === 'service' ? 'service' : `directory ${line.directory ?? ''}`} ${line.step} (${line.cause ?? 'unknown'})`).join(', ')}`,
  );
  return `${out.join('\n')}\n`;
}
