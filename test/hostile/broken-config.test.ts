import test from 'ava';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startChaosDirectory, type ChaosDirectory } from '../helpers/chaos-directory.js';
import { ChaosRig } from '../helpers/chaos-rig.js';
import { runCli } from '../helpers/agent-process.js';
import { recordFigures } from '../helpers/chaos-figures.js';

// Broken configuration files, one wrong key at a time: every leaf of a valid, registered config
// given a value of the wrong type, every required key deleted, an unknown key added at every
// level, and values of the right type that are still wrong. `writeback-agent run` must print one
// line naming the key and exit non-zero, without ever connecting to the service.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Corruption {
  what: string;
  /** The key path the error must name (as the CLI prints it). */
  path: string;
  apply: (config: Record<string, Json>) => void;
}

let directory: ChaosDirectory;
let rig: ChaosRig;
let valid: Record<string, Json>;
const LITERAL_PASSWORD = 'Literal-Secret-In-Config-7!';

test.before(async () => {
  directory = await startChaosDirectory(1);
  rig = await ChaosRig.create({ name: 'broken-config', directories: [directory.directory] });
  await rig.registerAll();
  valid = JSON.parse(await readFile(rig.agents[0]!.configFile, 'utf8')) as Record<string, Json>;
  rig.passwords.push(LITERAL_PASSWORD);
});

test.after.always(async () => {
  await rig?.close();
  await directory?.sim.stop();
});

/** `a.b[0].c` for a path of keys and indexes (the agent's joinPath, for ordinary keys). */
function pathText(parts: (string | number)[]): string {
  return parts.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text === '' ? part : `${text}.${part}`), '');
}

function at(config: Json, parts: (string | number)[]): { parent: Record<string, Json> | Json[]; key: string | number } {
  let node = config as Record<string, Json> | Json[];
  for (const part of parts.slice(0, -1)) node = (node as Record<string, Json>)[part as string] as Record<string, Json> | Json[];
  return { parent: node, key: parts[parts.length - 1]! };
}

function wrongTypeFor(value: Json): Json {
  if (typeof value === 'string') return 42;
  if (typeof value === 'number') return 'forty-two';
  if (typeof value === 'boolean') return 'yes';
  if (Array.isArray(value)) return { not: 'a list' };
  if (value === null) return 7;
  return ['not', 'an', 'object'];
}

/** Single-key corruptions generated from the valid config itself, plus hand-written semantic ones. */
function corruptions(): Corruption[] {
  const list: Corruption[] = [];
  const walk = (value: Json, parts: (string | number)[]): void => {
    // Array elements share their parent's type rules: one wrong type for the array itself is enough.
    if (parts.length > 0 && typeof parts[parts.length - 1] !== 'number') {
      list.push({
        what: `wrong type at ${pathText(parts)}`,
        path: pathText(parts),
        apply: (config) => {
          const { parent, key } = at(config, parts);
          (parent as Record<string, Json>)[key as string] = wrongTypeFor(value);
        },
      });
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      list.push({
        what: `unknown key in ${pathText(parts) || 'the top level'}`,
        // A secret reference is judged as a whole (exactly one of env, file, secret).
        path: pathText(parts).endsWith('bindPassword') ? pathText(parts) : pathText([...parts, 'colour']),
        apply: (config) => {
          const target =
            parts.length === 0
              ? config
              : (() => {
                  const { parent, key } = at(config, parts);
                  return (parent as Record<string, Json>)[key as string] as Record<string, Json>;
                })();
          target['colour'] = 'blue';
        },
      });
      for (const [key, child] of Object.entries(value)) walk(child, [...parts, key]);
    } else if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'object') {
      walk(value[0], [...parts, 0]);
    }
  };
  walk(valid, []);
  const required = [
    ['service'],
    ['service', 'url'],
    ['stateDir'],
    ['directories'],
    ['directories', 0, 'id'],
    ['directories', 0, 'kind'],
    ['directories', 0, 'urls'],
    ['directories', 0, 'baseDn'],
    ['directories', 0, 'bindDn'],
    ['directories', 0, 'bindPassword'],
    ['directories', 0, 'scope'],
    ['directories', 0, 'scope', 'include'],
  ] as (string | number)[][];
  for (const parts of required) {
    list.push({
      what: `missing ${pathText(parts)}`,
      path: pathText(parts),
      apply: (config) => {
        const { parent, key } = at(config, parts);
        delete (parent as Record<string, Json>)[key as string];
      },
    });
  }
  const set = (what: string, parts: (string | number)[], value: Json, path = pathText(parts)): Corruption => ({
    what,
    path,
    apply: (config) => {
      const { parent, key } = at(config, parts);
      (parent as Record<string, Json>)[key as string] = value;
    },
  });
  list.push(
    set('http service URL', ['service', 'url'], 'http://127.0.0.1:1/agent/v1'),
    set('ws:// without allowInsecure', ['service', 'url'], 'ws://127.0.0.1:1/agent/v1'),
    set('service URL with credentials', ['service', 'url'], 'wss://user:pw@127.0.0.1:1/agent/v1'),
    set('not a URL', ['service', 'url'], 'wss//nowhere'),
    set('proxy with a bad scheme', ['service', 'proxy'], 'socks5://127.0.0.1:1080'),
    set('a short trusted key', ['service', 'trustedKeys'], [{ kid: 'k2', publicKey: 'c2hvcnQ' }], 'service.trustedKeys[0].publicKey'),
    set('secret store unknown', ['secretStore'], 'vault'),
    set('defaultDirectory unknown', ['defaultDirectory'], 'nope'),
    set('no directories', ['directories'], []),
    set('directory id with a slash', ['directories', 0, 'id'], 'a/b'),
    set('kind unknown', ['directories', 0, 'kind'], 'novell'),
    set('ldap:// without StartTLS', ['directories', 0, 'urls'], ['ldap://127.0.0.1:389'], 'directories[0].urls[0]'),
    set('an https URL for LDAP', ['directories', 0, 'urls'], ['https://127.0.0.1'], 'directories[0].urls[0]'),
    set('baseDn not a DN', ['directories', 0, 'baseDn'], 'sim.test'),
    set('bindDn not a DN', ['directories', 0, 'bindDn'], 'svc-writeback'),
    set('a literal bind password', ['directories', 0, 'bindPassword'], LITERAL_PASSWORD),
    set('two secret sources', ['directories', 0, 'bindPassword'], { env: 'A', file: '/x' }),
    set('a bad env name', ['directories', 0, 'bindPassword'], { env: 'NOT VALID' }, 'directories[0].bindPassword.env'),
    set('scope outside baseDn', ['directories', 0, 'scope', 'include'], ['OU=Staff,DC=other,DC=test'], 'directories[0].scope.include[0]'),
    set('empty include', ['directories', 0, 'scope', 'include'], []),
    set('historyOnReset unknown', ['directories', 0, 'historyOnReset'], 'sometimes'),
    set('timeout too small', ['directories', 0, 'timeoutMs'], 5),
    set('pool of zero', ['directories', 0, 'poolSize'], 0),
    set('maxInFlight zero', ['limits', 'maxInFlight'], 0),
    set('maxInFlight huge', ['limits', 'maxInFlight'], 100_000),
    set('fractional rate limit', ['limits', 'perTargetPerMinute'], 2.5),
    set('negative skew', ['clock'], { maxSkewMs: -1 }, 'clock.maxSkewMs'),
    set('retention zero', ['journal'], { retentionDays: 0 }, 'journal.retentionDays'),
    set('log level unknown', ['logging', 'level'], 'verbose'),
    set('tiny log files', ['logging', 'maxFileBytes'], 10),
    set('cron not a cron', ['schedule'], { permissionCheck: 'every day' }, 'schedule.permissionCheck'),
  );
  list.push({
    what: 'duplicate directory id',
    path: 'directories[1].id',
    apply: (config) => {
      const directories = config['directories'] as Json[];
      directories.push(structuredClone(directories[0]!));
    },
  });
  return list;
}

const CHUNKS = 6;
const failures: string[] = [];
const connections: number[] = [];
const outputs: string[] = [];
let list: Corruption[] = [];
let started = 0;

/** Runs the corruptions of one chunk, four `writeback-agent run` processes at a time. */
async function runChunk(chunk: Corruption[], offset: number): Promise<void> {
  const dir = join(rig.dir, 'broken');
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < chunk.length; i += 4) {
    await Promise.all(
      chunk.slice(i, i + 4).map(async (corruption, index) => {
        const config = structuredClone(valid);
        corruption.apply(config);
        const file = join(dir, `config-${offset + i + index}.json`);
        await writeFile(file, JSON.stringify(config, null, 2));
        const result = await runCli(['run', '--config', file], { env: rig.env, timeoutMs: 30_000 });
        outputs.push(result.stdout, result.stderr);
        const lines = result.stderr.trim().split('\n');
        const problem =
          result.code === 0 || result.code === null
            ? `exit ${result.code}`
            : lines.length !== 1
              ? `${lines.length} lines on stderr`
              : !lines[0]!.includes(`config error at ${corruption.path}:`)
                ? `does not name ${corruption.path}: ${lines[0]}`
                : result.stdout.trim() !== ''
                  ? 'printed on stdout'
                  : null;
        if (problem !== null) failures.push(`${corruption.what}: ${problem}`);
      }),
    );
  }
}

// Chunks keep each test short (ava's timeout is per test); together they cover the whole list.
for (let chunk = 0; chunk < CHUNKS; chunk++) {
  test.serial(`single-key corruptions, part ${chunk + 1} of ${CHUNKS}: one line naming the key, exit non-zero`, async (t) => {
    if (chunk === 0) {
      list = corruptions();
      started = Date.now();
      rig.service.on('connection', (event) => connections.push(event.connectionId));
    }
    const size = Math.ceil(list.length / CHUNKS);
    const before = failures.length;
    await runChunk(list.slice(chunk * size, (chunk + 1) * size), chunk * size);
    t.deepEqual(failures.slice(before), []);
  });
}

test.serial('none of them ever connected or echoed the literal password; the same file uncorrupted starts', async (t) => {
  t.true(list.length >= 50, `${list.length} corruptions`);
  t.log(`${list.length} corruptions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.deepEqual(connections, [], 'no run ever connected to the service');
  t.false(outputs.join('\n').includes(LITERAL_PASSWORD), 'the literal password is never echoed');
  await rig.start(rig.agents[0]!);
  t.true(rig.alive(rig.agents[0]!));
  await recordFigures({
    scenario: 'broken-config',
    commands: 0,
    results: 0,
    lost: 0,
    appliedTwice: 0,
    conflictingResults: 0,
    faultsInjected: list.length,
    faults: { 'config corruption': list.length },
    codes: {},
    durationMs: Date.now() - rig.startedAt,
  });
});
