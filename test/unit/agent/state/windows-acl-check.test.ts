import test from 'ava';
import { ACL_PATHS_ENV, aclQueryCommand, assertProtectedAcls, protectNewDirectory, runAclQuery, type AclQuery, type AclQueryRunner } from '../../../../agent/state/windows-acl-check.js';
import { AclRequirement } from '../../../../agent/state/windows-acl-judge.js';
import { allow, EVERYONE, installed, ME, report, SERVICE_ACCOUNT, SYSTEM, USERS } from './windows-acl-fixtures.js';

// Issue 24, item 7: on Windows the agent trusts its state, secret, journal, log and audit files only
// when their ACLs name no account but LocalSystem, Administrators and its own. No Windows machine
// here: the judgement is a pure function tested on reports shaped as the query prints them, and
// the commands are tested as the argument vectors they run.

test('the query runs Windows PowerShell by full path with an encoded script, the paths in the environment', (t) => {
  const query = aclQueryCommand(['C:\\ProgramData\\writeback-agent\\state', "C:\\odd ' \u2019 $(x) path"], 'D:\\Win');
  t.is(query.file, 'D:\\Win\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
  t.deepEqual(query.args.slice(0, -1), ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
  const script = Buffer.from(query.args.at(-1)!, 'base64').toString('utf16le');
  // The paths are never part of the script, so no quote of theirs (PowerShell also takes U+2019 as one) can end a string.
  t.false(script.includes('ProgramData'));
  t.regex(script, new RegExp(`Get-Acl -LiteralPath \\$path`));
  t.regex(script, new RegExp(`\\$env:${ACL_PATHS_ENV}\\.Split\\(\\[char\\]10\\)`));
  t.regex(script, /GetAccessRules\(\$true, \$true, \$sid\)/);
  t.regex(script, /WindowsIdentity\]::GetCurrent\(\)\.User\.Value/);
  t.regex(script, /AreAccessRulesProtected/);
  t.deepEqual(query.env, { [ACL_PATHS_ENV]: "C:\\ProgramData\\writeback-agent\\state\nC:\\odd ' \u2019 $(x) path" });
});

/** A runner that answers with `outputs` in turn and records what it was asked to run. */
function runner(outputs: { status: number | null; stdout: string }[]): { run: AclQueryRunner; ran: AclQuery[] } {
  const ran: AclQuery[] = [];
  return {
    ran,
    run: (query) => {
      ran.push(query);
      const next = outputs.shift();
      if (next === undefined) throw new Error(`unexpected command ${query.file}`);
      return next;
    },
  };
}

const STATE = 'C:\\ProgramData\\writeback-agent\\state';

test('a protected state directory and an inheriting file pass in one query', (t) => {
  const { run, ran } = runner([{ status: 0, stdout: report([installed(), { owner: ME, protected: false, me: ME, rules: [allow(ME, true), allow(SYSTEM, true)] }]) }]);
  t.notThrows(() =>
    assertProtectedAcls(
      [
        { path: STATE, directory: true, requirement: AclRequirement.protected },
        { path: `${STATE}\\secrets.json`, directory: false, requirement: AclRequirement.trustedEntries },
      ],
      run,
    ),
  );
  t.is(ran.length, 1);
  t.is(ran[0]!.env[ACL_PATHS_ENV], `${STATE}\n${STATE}\\secrets.json`);
});

test('a loose directory is refused with the icacls command install-service runs, for the agent account', (t) => {
  const { run } = runner([{ status: 0, stdout: report([installed([allow(USERS, false, 'Read')])]) }]);
  const error = t.throws(() => assertProtectedAcls([{ path: STATE, directory: true, requirement: AclRequirement.protected }], run));
  t.is(
    error?.message,
    `${STATE} is not protected: it allows Read to ${USERS}, which is not LocalSystem, Administrators or the agent's account (${ME}); run as an administrator: ` +
      `icacls ${STATE} /inheritance:r /grant:r "*${ME}:(OI)(CI)F" /grant:r "*S-1-5-18:(OI)(CI)F" /grant:r "*S-1-5-32-544:(OI)(CI)F"`,
  );
});

test('a file with an explicit entry for Everyone is refused, the fix resetting it to its directory', (t) => {
  const { run } = runner([{ status: 0, stdout: report([{ owner: ME, protected: false, me: ME, rules: [allow(ME, true), allow(EVERYONE)] }]) }]);
  t.throws(() => assertProtectedAcls([{ path: `${STATE}\\journal.jsonl`, directory: false, requirement: AclRequirement.trustedEntries }], run), {
    message: /journal\.jsonl is not protected: it allows FullControl to S-1-1-0.*icacls C:\\ProgramData\\writeback-agent\\state\\journal\.jsonl \/reset/,
  });
});

test('a file owned by another account is refused, the fix taking ownership first', (t) => {
  const { run } = runner([{ status: 0, stdout: report([{ owner: SERVICE_ACCOUNT, protected: false, me: ME, rules: [allow(ME, true)] }]) }]);
  t.throws(() => assertProtectedAcls([{ path: `${STATE}\\registration.json`, directory: false, requirement: AclRequirement.trustedEntries }], run), {
    message: /owned by S-1-5-21-[-0-9]+2604.*icacls C:\\ProgramData\\writeback-agent\\state\\registration\.json \/setowner \*S-1-5-32-544, then icacls .* \/reset/,
  });
});

const failures: { name: string; output: { status: number | null; stdout: string }; message: RegExp }[] = [
  { name: 'PowerShell exits non-zero (Get-Acl denied)', output: { status: 1, stdout: '' }, message: /cannot read the ACL of .*state \(PowerShell exited with 1\), so the agent does not trust it/ },
  { name: 'PowerShell times out or does not start', output: { status: null, stdout: '' }, message: /PowerShell did not finish/ },
  { name: 'exit 0 with empty output', output: { status: 0, stdout: '' }, message: /\(the report is empty\)/ },
  { name: 'exit 0 with a cut-off report', output: { status: 0, stdout: report([installed()]).split('\r\n')[0]! }, message: /stops before its end/ },
];

for (const { name, output, message } of failures) {
  test(`fails closed when ${name}`, (t) => {
    const { run } = runner([output]);
    t.throws(() => assertProtectedAcls([{ path: STATE, directory: true, requirement: AclRequirement.protected }], run), { message });
  });
}

test('a directory the agent creates gets the protected ACL for its own account by icacls, then is checked', (t) => {
  const fresh = { owner: ME, protected: false, me: ME, rules: [allow(ME, true), allow(USERS, true, 'ReadAndExecute')] };
  const { run, ran } = runner([
    { status: 0, stdout: report([fresh]) },
    { status: 0, stdout: '' },
    { status: 0, stdout: report([installed()]) },
  ]);
  protectNewDirectory(STATE, run);
  t.is(ran[1]!.file, 'C:\\Windows\\System32\\icacls.exe');
  t.deepEqual(ran[1]!.args, [STATE, '/inheritance:r', '/grant:r', `*${ME}:(OI)(CI)F`, '/grant:r', '*S-1-5-18:(OI)(CI)F', '/grant:r', '*S-1-5-32-544:(OI)(CI)F']);
  t.is(ran.length, 3);
});

test('a directory icacls could not protect is refused', (t) => {
  const { run } = runner([
    { status: 0, stdout: report([installed()]) },
    { status: 5, stdout: '' },
  ]);
  t.throws(() => protectNewDirectory(STATE, run), { message: /could not set a protected ACL on C:\\ProgramData\\writeback-agent\\state \(icacls exited with 5\)/ });
});

test('the runner hands the paths to the program in its environment and returns its status and output; a program that cannot start is a null status', (t) => {
  const echoed = runAclQuery({ file: process.execPath, args: ['-e', `process.stdout.write(process.env.${ACL_PATHS_ENV} ?? '')`], env: { [ACL_PATHS_ENV]: 'C:\\a\nC:\\b' } });
  t.deepEqual(echoed, { status: 0, stdout: 'C:\\a\nC:\\b' });
  t.is(runAclQuery({ file: process.execPath, args: ['-e', 'process.exit(3)'], env: {} }).status, 3);
  t.deepEqual(runAclQuery({ file: '/nonexistent/powershell.exe', args: [], env: {} }), { status: null, stdout: '' });
});
