import { isDeepStrictEqual } from 'node:util';
import type { Outcome } from './outcome.js';

/** `CODE key=value ...`, compact enough for one table cell. */
export function formatOutcome(outcome: Outcome | undefined): string {
  if (outcome === undefined) return '(not run)';
  const { code, ...rest } = outcome;
  return [code, ...Object.entries(rest).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)].join(' ');
}

/** One line per step: number, whether both agree, the step, then each backend's outcome. */
export function outcomeTable(names: readonly string[], left: { name: string; outcomes: readonly Outcome[] }, right: { name: string; outcomes: readonly Outcome[] }): string {
  const lines = names.map((name, index) => {
    const a = left.outcomes[index];
    const b = right.outcomes[index];
    const same = isDeepStrictEqual(a, b) ? '==' : '!=';
    return `${String(index + 1).padStart(3)} ${same} ${name}\n      ${left.name.padEnd(13)} ${formatOutcome(a)}\n      ${right.name.padEnd(13)} ${formatOutcome(b)}`;
  });
  return lines.join('\n');
}
