import { spawnSync } from 'node:child_process';
import { win32 } from 'node:path';
import { protectedAclCommand } from '../service/windows-acl.js';
import { windowsQuote } from '../service/service-plan.js';
import { AclReportError, AclRequirement, aclProblem, parseAclReport, WindowsSid, type WindowsAcl } from './windows-acl-judge.js';
import { PrivatePathError } from './private-path-error.js';

/** A path to check and what it must be. */
export interface AclTarget {
  path: string;
  directory: boolean;
  requirement: AclRequirement;
}

/** A command the check runs (the ACL query, icacls): a program, its arguments, and variables added to the environment. */
export interface AclQuery {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** Runs a command; injected by tests, which cannot run PowerShell or icacls here. */
export type AclQueryRunner = (query: AclQuery) => { status: number | null; stdout: string };

/** The paths reach PowerShell through the environment, one a line (no Windows name holds a newline): never through its parser. */
export const ACL_PATHS_ENV = 'WRITEBACK_AGENT_ACL_PATHS';

/** A hung PowerShell must not hang the agent: the check refuses after this. */
const QUERY_TIMEOUT_MS = 60_000;

/**
 * One JSON object a line (no arrays: Windows PowerShell 5.1 wraps some in `{value, Count}`), SIDs
 * rather than names (names are localised and need a domain controller), an index rather than the
 * path (the console code page would mangle it), and an `end` line so a cut-off report is refused.
 */
const QUERY_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  '$sid = [System.Security.Principal.SecurityIdentifier]',
  '$me = [System.Security.Principal.WindowsIdentity]::GetCurrent().User.Value',
  '$index = 0',
  `foreach ($path in $env:${ACL_PATHS_ENV}.Split([char]10)) {`,
  '  $acl = Get-Acl -LiteralPath $path',
  "  [pscustomobject]@{ kind = 'acl'; index = $index; owner = $acl.GetOwner($sid).Value; protected = $acl.AreAccessRulesProtected; me = $me } | ConvertTo-Json -Compress",
  '  foreach ($rule in $acl.GetAccessRules($true, $true, $sid)) {',
  "    [pscustomobject]@{ kind = 'rule'; index = $index; sid = $rule.IdentityReference.Value; rights = $rule.FileSystemRights.ToString(); type = $rule.AccessControlType.ToString(); inherited = $rule.IsInherited } | ConvertTo-Json -Compress",
  '  }',
  '  $index++',
  '}',
  `'{"kind":"end"}'`,
].join('\n');

/**
 * The Windows PowerShell 5.1 every Windows has, by full path (not whatever PATH finds first), with
 * the script as -EncodedCommand (UTF-16LE base64), so no quoting rule of cmd or PowerShell applies.
 */
export function aclQueryCommand(paths: readonly string[], systemRoot = process.env['SystemRoot'] ?? 'C:\\Windows'): AclQuery {
  return {
    file: win32.join(systemRoot, 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe'),
    args: ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(QUERY_SCRIPT, 'utf16le').toString('base64')],
    env: { [ACL_PATHS_ENV]: paths.join('\n') },
  };
}

/** Runs the query with a deadline; a timeout or a failure to start is a null status. */
export const runAclQuery: AclQueryRunner = (query) => {
  // No stdin: PowerShell may wait on an open one.
  const run = spawnSync(query.file, query.args, {
    env: { ...process.env, ...query.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: QUERY_TIMEOUT_MS,
    windowsHide: true,
    maxBuffer: 1 << 20,
  });
  return { status: run.error === undefined ? run.status : null, stdout: typeof run.stdout === 'string' ? run.stdout : '' };
};

/** The command an administrator runs to put right what aclProblem found. */
function fixFor(target: AclTarget, me: string | null, ownerWrong = false): string {
  const path = windowsQuote(target.path);
  const owner = ownerWrong ? `icacls ${path} /setowner *${WindowsSid.administrators}, then ` : '';
  if (!target.directory) return `${owner}icacls ${path} /reset (the file then takes the protected ACL of its directory)`;
  return (
    owner +
    protectedAclCommand(target.path, `*${me ?? WindowsSid.localSystem}`)
      .map(windowsQuote)
      .join(' ')
  );
}

/** The ACLs of `targets`, read whole, or a PrivatePathError: fails closed on anything unread. */
function readAcls(targets: readonly AclTarget[], run: AclQueryRunner): WindowsAcl[] {
  const paths = targets.map((target) => target.path);
  const unreadable = (why: string) =>
    new PrivatePathError(
      `cannot read the ACL of ${paths.join(', ')} (${why}), so the agent does not trust it; check that the path exists and that the agent's account may read its permissions, then run as an administrator: ${targets.map((t) => fixFor(t, null)).join(' ; ')}`,
    );
  const { status, stdout } = run(aclQueryCommand(paths));
  if (status !== 0) throw unreadable(status === null ? 'PowerShell did not finish' : `PowerShell exited with ${status}`);
  try {
    return parseAclReport(stdout, targets.length);
  } catch (error) {
    if (error instanceof AclReportError) throw unreadable(error.message);
    throw error;
  }
}

/**
 * Refuses (PrivatePathError naming the path and the fix) unless every target has an ACL the agent
 * may trust (windows-acl-judge.ts). Fails closed: an ACL that cannot be read, a query that fails or
 * times out, or a report that does not parse is a refusal, never a pass.
 */
export function assertProtectedAcls(targets: readonly AclTarget[], run: AclQueryRunner = runAclQuery): void {
  if (targets.length === 0) return;
  const acls = readAcls(targets, run);
  targets.forEach((target, i) => {
    const acl = acls[i]!;
    const problem = aclProblem(acl, target.requirement);
    if (problem !== null) throw new PrivatePathError(`${target.path} is not protected: ${problem.text}; run as an administrator: ${fixFor(target, acl.me, problem.owner)}`);
  });
}

/** icacls.exe by full path, as the query's PowerShell. */
export function icaclsPath(systemRoot = process.env['SystemRoot'] ?? 'C:\\Windows'): string {
  return win32.join(systemRoot, 'System32', 'icacls.exe');
}

/**
 * Gives a directory the agent has just created the protected ACL install-service gives (its own
 * account, LocalSystem, Administrators; nothing inherited), as chmod 700 does on POSIX, then checks it.
 */
export function protectNewDirectory(dir: string, run: AclQueryRunner = runAclQuery): void {
  const target: AclTarget = { path: dir, directory: true, requirement: AclRequirement.protected };
  const [acl] = readAcls([target], run);
  const [, ...args] = protectedAclCommand(dir, `*${acl!.me}`);
  const { status } = run({ file: icaclsPath(), args, env: {} });
  if (status !== 0)
    throw new PrivatePathError(`could not set a protected ACL on ${dir} (icacls ${status === null ? 'did not finish' : `exited with ${status}`}); run as an administrator: ${fixFor(target, acl!.me)}`);
  assertProtectedAcls([target], run);
}
