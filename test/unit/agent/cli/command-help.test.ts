import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { CommandSpecs, type CommandName } from '../../../../agent/cli/command-specs.js';
import { MIN_NODE_MAJOR } from '../../../../agent/runtime/node-requirement.js';
import { cliArgs } from '../../../helpers/agent-process.js';

const repo = join(import.meta.dirname, '../../../..');
const names = Object.keys(CommandSpecs) as CommandName[];

function cli(args: string[], node = process.execPath): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(node, cliArgs(args), { cwd: repo, encoding: 'utf8', timeout: 60_000, env: { ...process.env, WRITEBACK_AGENT_CONFIG: '' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The flags a command's source hands to the parser: it must be its own entry of CommandSpecs, nothing inline. */
test('every command parses exactly the options its table entry declares', async (t) => {
  for (const name of names) {
    // The demo is its own composition root (demo/); every other command lives in agent/cli/commands/.
    const source = await readFile(join(repo, name === 'demo' ? 'demo/demo-command.ts' : `agent/cli/commands/${name}.ts`), 'utf8');
    const calls = [...source.matchAll(/parseFlags\(([^)]*)\)/g)].map((m) => m[1]);
    t.deepEqual(calls, [`argv, CommandSpecs${/^[a-z]+$/.test(name) ? `.${name}` : `['${name}']`}.options, '${name}'`], `${name}.ts`);
  }
});

test("each command's --help lists every option it accepts, generated from its declarations", (t) => {
  for (const name of names) {
    const help = cli([name, '--help']);
    t.is(help.status, 0, help.stderr);
    t.true(help.stdout.startsWith(`Usage: writeback-agent ${name}`), help.stdout);
    t.true(help.stdout.includes(CommandSpecs[name].summary));
    const listed = [...help.stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);
    t.deepEqual(listed, [...Object.keys(CommandSpecs[name].options), 'help'], `${name} --help`);
    for (const [option, spec] of Object.entries(CommandSpecs[name].options)) t.true(help.stdout.includes(spec.help), `${name} --${option} has no description`);
  }
  const general = cli(['help']);
  t.is(general.status, 0);
  for (const name of names) t.regex(general.stdout, new RegExp(`^ {2}writeback-agent ${name}( |$)`, 'm'));
  t.is(cli(['help', 'secret']).stdout, cli(['secret', '--help']).stdout);
});

test('an unknown flag or a flag without its value is one line naming it and the help to read', (t) => {
  const unknown = cli(['status', '--jsno']);
  t.is(unknown.status, 2);
  t.is(unknown.stderr, 'writeback-agent status: unknown option --jsno; run `writeback-agent status --help`\n');
  t.is(unknown.stdout, '');
  const missing = cli(['check-permissions', '--config']);
  t.is(missing.stderr, 'writeback-agent check-permissions: option --config needs a value; run `writeback-agent check-permissions --help`\n');
  const command = cli(['stauts']);
  t.is(command.stderr, 'writeback-agent: unknown command "stauts"; run `writeback-agent help`\n');
});

test(`refuses to start on a Node older than ${MIN_NODE_MAJOR}, naming the version it needs (the system Node)`, (t) => {
  const systemNode = '/usr/bin/node';
  const version = spawnSync(systemNode, ['--version'], { encoding: 'utf8' });
  if (version.error !== undefined) {
    t.fail(`${systemNode} is missing: this check needs an old Node beside the Node ${MIN_NODE_MAJOR} of node_modules (Debian's nodejs)`);
    return;
  }
  t.true(Number(/^v(\d+)/.exec(version.stdout)?.[1]) < MIN_NODE_MAJOR, `${systemNode} is ${version.stdout.trim()}, not older than ${MIN_NODE_MAJOR}: the check proves nothing here`);
  const old = cli(['--version'], systemNode);
  t.is(old.status, 2);
  t.is(old.stdout, '');
  t.is(
    old.stderr,
    `writeback-agent needs Node.js ${MIN_NODE_MAJOR} or later, but ${systemNode} is ${version.stdout.trim()}; install Node.js ${MIN_NODE_MAJOR} (or the writeback-agent package, which brings its own)\n`,
  );
});

test("the minimum Node of the start-up check is the one package.json's engines names", async (t) => {
  const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { engines: { node: string } };
  t.is(pkg.engines.node, `>=${MIN_NODE_MAJOR}`);
});
