import { isAgentError } from '../../agent/errors.js';
import { AdRight } from '../../agent/directory/ad/rights.js';

/**
 * What one step came to, in a form both backends can be compared on: `code` is OK or the
 * AgentError's code; the rest are the salient facts (reason, codes from the directory, outcome
 * details). Times become 'set' or null, DNs become role names: they differ between the seeds.
 */
export type Outcome = { code: string } & Record<string, unknown>;

/** details.missing holds an AdRight text: its key is shorter and the same on both sides. */
function rightName(missing: unknown): unknown {
  const hit = Object.entries(AdRight).find(([, text]) => text === missing);
  return hit === undefined ? missing : hit[0];
}

/** Details of a refusal that must agree between the backends (never a password: details carry none). */
const COMPARED_DETAILS = ['reason', 'ldapResultCode', 'adCode', 'adBindData', 'checkedBy', 'policyReason', 'minLength'] as const;

export function errorOutcome(error: unknown): Outcome {
  if (!isAgentError(error)) return { code: 'THREW', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  const outcome: Outcome = { code: error.code };
  for (const key of COMPARED_DETAILS) if (error.details[key] !== undefined) outcome[key] = error.details[key];
  if (error.details.missing !== undefined) outcome.missing = rightName(error.details.missing);
  if (error.details.allowedAt !== undefined) outcome.allowedAt = 'set';
  return outcome;
}

/** A date that differs between the backends by nature: only whether it is there. */
export function presence(value: unknown): 'set' | null {
  return value === null || value === undefined ? null : 'set';
}

/**
 * Runs one action: OK with what `salient` picks from its value, or the refusal. `messages`
 * collects every AgentError message and details, for the secrets check.
 */
export async function outcomeOf<T>(action: () => Promise<T>, salient: (value: T) => Record<string, unknown>, messages: string[]): Promise<Outcome> {
  try {
    return { code: 'OK', ...salient(await action()) };
  } catch (error) {
    if (isAgentError(error)) messages.push(error.message, JSON.stringify(error.details));
    return errorOutcome(error);
  }
}
