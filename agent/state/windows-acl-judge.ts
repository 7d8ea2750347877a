/** Well-known SIDs: names are localised, SIDs are not. */
export const WindowsSid = {
  localSystem: 'S-1-5-18',
  administrators: 'S-1-5-32-544',
} as const;

/** What the ACL check asks of a path. */
export const AclRequirement = {
  /** The state directory: its own protected ACL (inheritance removed, no inherited entry), as install-service sets it. */
  protected: 'protected',
  /** A file in a checked directory, or the directory of a log: inherited entries are fine, each entry must pass. */
  trustedEntries: 'trustedEntries',
} as const;
export type AclRequirement = (typeof AclRequirement)[keyof typeof AclRequirement];

/** One access rule, its trustee as a SID. */
export interface AclRule {
  sid: string;
  /** FileSystemRights as PowerShell names them, for the message only. */
  rights: string;
  type: 'Allow' | 'Deny';
  inherited: boolean;
}

/** A path's ACL as the query reports it, with the SID of the account that asked. */
export interface WindowsAcl {
  owner: string;
  /** AreAccessRulesProtected: inheritance from the parent is cut. */
  protected: boolean;
  /** The agent's own account (WindowsIdentity.GetCurrent().User). */
  me: string;
  rules: AclRule[];
}

/** The accounts that may hold a path the agent trusts: LocalSystem, Administrators, and the agent's own account. */
export function trustedSids(me: string): ReadonlySet<string> {
  return new Set([WindowsSid.localSystem, WindowsSid.administrators, me]);
}

/** What is wrong with an ACL; `owner` when the owner is (the fix then starts by taking ownership). */
export interface AclProblem {
  owner: boolean;
  text: string;
}

/**
 * Why the agent must not trust `acl`, or null when it may: the owner and every Allow entry are
 * LocalSystem, Administrators or the agent's own account (Deny entries only take away); with
 * `protected`, inheritance is cut and no entry is inherited, so a change above cannot reach it.
 */
export function aclProblem(acl: WindowsAcl, requirement: AclRequirement): AclProblem | null {
  const trusted = trustedSids(acl.me);
  // The owner may rewrite the ACL whatever it says.
  if (!trusted.has(acl.owner)) return { owner: true, text: `it is owned by ${acl.owner}, not by LocalSystem, Administrators or the agent's account (${acl.me})` };
  if (requirement === AclRequirement.protected) {
    if (!acl.protected) return { owner: false, text: 'it inherits entries from its parent (the ACL is not protected)' };
    const inherited = acl.rules.find((rule) => rule.inherited);
    if (inherited !== undefined) return { owner: false, text: `it has an inherited entry for ${inherited.sid}` };
  }
  const stranger = acl.rules.find((rule) => rule.type === 'Allow' && !trusted.has(rule.sid));
  if (stranger !== undefined) return { owner: false, text: `it allows ${stranger.rights} to ${stranger.sid}, which is not LocalSystem, Administrators or the agent's account (${acl.me})` };
  return null;
}

/** What the query failed to say, as a message; thrown by parseAclReport. */
export class AclReportError extends Error {
  override readonly name = 'AclReportError';
}

const SID = /^S-1-[0-9]+(-[0-9]+){1,15}$/;

function record(line: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new AclReportError('a line of the report is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AclReportError('a line of the report is not a JSON object');
  return value as Record<string, unknown>;
}

function sid(value: unknown, what: string): string {
  if (typeof value !== 'string' || !SID.test(value)) throw new AclReportError(`${what} is not a SID`);
  return value;
}

function flag(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new AclReportError(`${what} is not true or false`);
  return value;
}

/**
 * The ACLs of `count` paths from the query's output (windows-acl-query.ts): one `acl` line per path
 * in order, each followed by its `rule` lines, then one `end` line. Anything else (missing, extra,
 * out of order, truncated) throws: an ACL not read whole is not trusted.
 */
export function parseAclReport(stdout: string, count: number): WindowsAcl[] {
  const lines = stdout
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0) throw new AclReportError('the report is empty');
  const acls: WindowsAcl[] = [];
  let ended = false;
  for (const line of lines) {
    if (ended) throw new AclReportError('the report goes on after its end');
    const entry = record(line);
    switch (entry['kind']) {
      case 'acl':
        if (entry['index'] !== acls.length) throw new AclReportError('the report names the paths out of order');
        acls.push({ owner: sid(entry['owner'], 'an owner'), protected: flag(entry['protected'], 'protected'), me: sid(entry['me'], "the agent's account"), rules: [] });
        break;
      case 'rule': {
        const current = acls.at(-1);
        if (current === undefined || entry['index'] !== acls.length - 1) throw new AclReportError('a rule comes before its path');
        const type = entry['type'];
        if (type !== 'Allow' && type !== 'Deny') throw new AclReportError('a rule is neither Allow nor Deny');
        if (typeof entry['rights'] !== 'string') throw new AclReportError('a rule has no rights');
        current.rules.push({ sid: sid(entry['sid'], 'a trustee'), rights: entry['rights'], type, inherited: flag(entry['inherited'], 'inherited') });
        break;
      }
      case 'end':
        ended = true;
        break;
      default:
        throw new AclReportError('a line of the report is of no known kind');
    }
  }
  if (!ended) throw new AclReportError('the report stops before its end');
  if (acls.length !== count) throw new AclReportError(`the report has ${acls.length} of ${count} paths`);
  return acls;
}
