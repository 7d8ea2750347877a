import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import test from 'ava';
import { describePlan } from '../../../../agent/service/service-plan.js';
import { protectedDirectories } from '../../../../agent/service/windows-acl.js';
import { windowsInstallPlan, windowsUninstallPlan } from '../../../../agent/service/windows-install.js';
import { winswXml, xmlEscape } from '../../../../agent/service/winsw.js';
import { serviceConfig } from './config-fixture.js';
import { child, parseXml } from './strict-xml.js';

const awkward = {
  node: 'C:\\Program Files\\nodejs <24> & co\\node.exe',
  bin: 'C:\\Program Files (x86)\\R&D "tools"\\writeback-agent\\dist\\agent\\cli\\bin.js',
  config: "C:\\ProgramData\\writeback-agent\\Tom's & Jerry's config.json",
};

function xmlFor(serviceAccount: string | null = null): string {
  return winswXml({ id: 'writeback-agent', nodePath: awkward.node, binPath: awkward.bin, configPath: awkward.config, logPath: '%ProgramData%\\writeback-agent\\logs', serviceAccount });
}

test('the WinSW XML is well-formed and gives back every path exactly, with spaces, &, <, > and quotes', (t) => {
  const xml = xmlFor();
  const root = parseXml(xml);
  t.is(root.name, 'service');
  t.is(child(root, 'id')[0]?.text, 'writeback-agent');
  t.is(child(root, 'executable')[0]?.text, awkward.node);
  // One <argument> each: WinSW quotes them itself, so no quotes of ours may appear around paths.
  t.deepEqual(
    child(root, 'argument').map((a) => a.text),
    ['--max-semi-space-size=8', '--expose-gc', awkward.bin, 'run', '--config', awkward.config],
  );
  const env = child(root, 'env');
  t.deepEqual(
    env.map((e) => e.attributes),
    [{ name: 'WRITEBACK_AGENT_CONFIG', value: awkward.config }],
  );
  t.is(child(root, 'stoptimeout')[0]?.text, '15 sec');
  t.deepEqual(
    child(root, 'onfailure').map((f) => f.attributes['action']),
    ['restart', 'restart', 'restart'],
  );
  t.is(child(root, 'resetfailure')[0]?.text, '1 hour');
  t.is(child(root, 'logpath')[0]?.text, '%ProgramData%\\writeback-agent\\logs');
  t.is(child(root, 'startmode')[0]?.text, 'Automatic');
  t.is(child(root, 'serviceaccount').length, 0, 'LocalSystem unless an account is named');
  t.true(xml.includes('&amp;') && xml.includes('&lt;24&gt;') && !/&(?!amp;|lt;|gt;|quot;|apos;)/.test(xml));
});

test('a named service account (gMSA) is written without a password', (t) => {
  const root = parseXml(xmlFor('CORP\\gmsa-writeback$'));
  const account = child(root, 'serviceaccount')[0];
  t.is(account && child(account, 'username')[0]?.text, 'CORP\\gmsa-writeback$');
  t.is(account && child(account, 'password').length, 0);
  t.is(account && child(account, 'allowservicelogon')[0]?.text, 'true');
});

test('the strict parser rejects what a careless generator would produce (so the test above means something)', (t) => {
  t.throws(() => parseXml('<service><executable>C:\\R&D\\node.exe</executable></service>'), { message: /bare &/ });
  t.throws(() => parseXml('<service><env name="A" value="x"y"/></service>'));
  t.throws(() => parseXml('<service><id>a</service>'), { message: /mismatched/ });
  t.throws(() => xmlEscape('bad\u0001value'), { message: /control character/ });
});

test('install plan: the XML beside the renamed WinSW exe, then `install` and `start`, quoted for cmd when paths have spaces', (t) => {
  const config = serviceConfig(
    { stateDir: 'C:\\ProgramData\\writeback-agent\\state', logging: { dir: 'C:\\ProgramData\\writeback-agent\\agent-logs' } },
    'C:\\ProgramData\\writeback-agent\\config.json',
  );
  const plan = windowsInstallPlan(config, {
    id: 'writeback-agent',
    nodePath: 'C:\\Program Files\\nodejs\\node.exe',
    binPath: 'C:\\Program Files\\nodejs\\node_modules\\writeback-agent\\dist\\agent\\cli\\bin.js',
    programData: 'C:\\ProgramData',
    serviceDir: 'C:\\Program Files\\writeback-agent',
    serviceAccount: null,
  });
  const file = plan.steps.find((s) => s.kind === 'file');
  t.is(file?.kind === 'file' ? file.path : null, 'C:\\Program Files\\writeback-agent\\writeback-agent.xml');
  const commands = plan.steps.flatMap((s) => (s.kind === 'command' ? [s.argv] : []));
  const acl = (dir: string) => ['icacls', dir, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '/grant:r', '*S-1-5-32-544:(OI)(CI)F'];
  t.deepEqual(commands, [
    // Issue 24: a protected ACL (no inherited entries; LocalSystem and Administrators only) on state and logs.
    ...protectedDirectories(config).map(acl),
    ['C:\\Program Files\\writeback-agent\\writeback-agent.exe', 'install'],
    ['C:\\Program Files\\writeback-agent\\writeback-agent.exe', 'start'],
  ]);
  const text = describePlan(plan);
  t.regex(text, /^run: "C:\\Program Files\\writeback-agent\\writeback-agent\.exe" install/m);
  t.regex(text, /^ {6}<stoptimeout>15 sec<\/stoptimeout>$/m);
  t.true(plan.notes.some((n) => n.includes('WinSW is not downloaded: place WinSW-x64.exe')));
  t.false(
    plan.notes.some((n) => n.includes('run register as')),
    'a file secret store needs no keychain note',
  );
  t.true(protectedDirectories(config).includes(config.stateDir));
  t.true(protectedDirectories(config).includes(config.logging.dir!));
  const gmsa = windowsInstallPlan(config, { id: 'writeback-agent', nodePath: 'n', binPath: 'b', programData: 'C:\\ProgramData', serviceDir: null, serviceAccount: 'CORP\\svc-writeback$' });
  t.deepEqual(gmsa.steps.flatMap((s) => (s.kind === 'command' ? [s.argv] : []))[0], [
    'icacls',
    config.stateDir,
    '/inheritance:r',
    '/grant:r',
    'CORP\\svc-writeback$:(OI)(CI)F',
    '/grant:r',
    '*S-1-5-18:(OI)(CI)F',
    '/grant:r',
    '*S-1-5-32-544:(OI)(CI)F',
  ]);
  const keychain = windowsInstallPlan(serviceConfig({ secretStore: 'keychain' }), {
    id: 'writeback-agent',
    nodePath: 'n',
    binPath: 'b',
    programData: 'C:\\ProgramData',
    serviceDir: null,
    serviceAccount: null,
  });
  t.true(keychain.notes.some((n) => n.includes('run register as LocalSystem')));
});

test('uninstall plan: stop (may fail when stopped), uninstall, remove the XML', (t) => {
  const plan = windowsUninstallPlan({ id: 'writeback-agent', programData: 'C:\\ProgramData', serviceDir: null });
  t.deepEqual(
    plan.steps.map((s) => (s.kind === 'command' ? `${s.argv.join(' ')}${s.mayFail ? ' (may fail)' : ''}` : `${s.kind} ${s.path}`)),
    [
      'C:\\ProgramData\\writeback-agent\\service\\writeback-agent.exe stop (may fail)',
      'C:\\ProgramData\\writeback-agent\\service\\writeback-agent.exe uninstall',
      'remove C:\\ProgramData\\writeback-agent\\service\\writeback-agent.xml',
    ],
  );
});

test('the command line prints the Windows plan with --platform win32 --dry-run and refuses to apply it off Windows', async (t) => {
  const repo = join(import.meta.dirname, '../../../..');
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'wa-winsw-'));
  const configPath = join(dir, 'config.json');
  await writeFile(
    configPath,
    JSON.stringify({
      service: { url: 'wss://reset.example.com/agent/v1' },
      stateDir: join(dir, 'state'),
      secretStore: 'file',
      directories: [{ id: 'c', kind: 'openldap', urls: ['ldaps://l.example:636'], baseDn: 'dc=example', bindDn: 'cn=a,dc=example', bindPassword: { env: 'X' }, scope: { include: ['dc=example'] } }],
    }),
  );
  const cli = (args: string[]): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, ['--import=tsx', join(repo, 'agent/cli/bin.ts'), ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, ProgramData: 'D:\\Data' } });
  const bin = 'C:\\Program Files\\nodejs\\node_modules\\writeback-agent\\dist\\agent\\cli\\bin.js';
  const dry = cli(['install-service', '--platform', 'win32', '--dry-run', '--config', configPath, '--bin', bin, '--node', 'C:\\Program Files\\nodejs\\node.exe']);
  t.is(dry.status, 0, String(dry.stderr));
  t.regex(String(dry.stdout), /^write file D:\\Data\\writeback-agent\\service\\writeback-agent\.xml/m);
  t.regex(String(dry.stdout), /^run: D:\\Data\\writeback-agent\\service\\writeback-agent\.exe start/m);
  const real = cli(['install-service', '--platform', 'win32', '--config', configPath, '--bin', bin]);
  t.is(real.status, 2);
  t.regex(String(real.stderr), /only be installed on Windows; use --dry-run/);
  const undry = cli(['uninstall-service', '--platform', 'win32', '--dry-run']);
  t.regex(String(undry.stdout), /^run: D:\\Data\\writeback-agent\\service\\writeback-agent\.exe uninstall/m);
});
