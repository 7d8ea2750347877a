import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { readFileSync } from 'node:fs';
import { signCommand, type Command, type Result } from '../../protocol/index.js';
import { startChaosDirectory, type ChaosDirectory } from '../helpers/chaos-directory.js';
import { ChaosRig } from '../helpers/chaos-rig.js';
import { withTimeout } from '../helpers/agent-environment.js';
import { recordFigures } from '../helpers/chaos-figures.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { mutateFrame, prng, type MutatedFrame } from './frame-mutations.js';

// Hostile input over the real socket: 100,000 structure-aware mutations of a real, signed
// command frame, sent by service-sim to a running agent process in batches. The agent must not
// crash or leak memory, must never apply anything, must answer a mutated frame that still has a
// string command id with the code SPEC.md names (MALFORMED, INVALID_SIGNATURE), and must send
// nothing for a frame without one (or that is not a command at all).

const FRAMES = Number(process.env['FUZZ_FRAMES'] ?? 100_000);
const BATCH = 2_500;

let directory: ChaosDirectory;
let rig: ChaosRig;

test.before(async () => {
  directory = await startChaosDirectory(1);
  rig = await ChaosRig.create({
    name: 'socket-fuzz',
    directories: [directory.directory],
    service: { recordTranscript: false },
    // The agent logs each refused frame; keep them in its files, not on a console pipe.
    logging: { level: process.env['FUZZ_LOG'] ?? 'info', console: false },
  });
  await rig.registerAll();
  await rig.start(rig.agents[0]!);
});

test.after.always(async () => {
  await rig?.close();
  await directory?.sim.stop();
});

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0);
}

test.serial(`${FRAMES} mutated frames over the socket: no crash, bounded memory, the codes SPEC.md names`, async (t) => {
  const agent = rig.agents[0]!;
  const pid = agent.process!.child.pid!;
  const seed = Number(process.env['FUZZ_SEED'] ?? 20261122);
  const rand = prng(seed);
  const password = rig.password();
  const base = await rig.service.buildCommand({
    tenantId: rig.tenantId,
    agentId: agent.agentId,
    op: 'resetPassword',
    target: { by: 'sAMAccountName', value: directory.users[0]! },
    secret: { newPassword: password },
  });
  const key = rig.service.signingPrivateKey(rig.service.activeKid)!;
  const envelope = signCommand(base, rig.service.activeKid, key) as unknown as { type: string; command: Command; kid: string; signature: string };
  // The agent's answer to a frame: a stored result, or (for most mutations) a refusal before authentication.
  const answerTo = (id: string): Result | undefined => rig.service.results.get(id) ?? rig.service.refusalsBeforeAuthentication.get(id);
  const acks: string[] = [];
  rig.service.on('ack', (event) => acks.push(event.commandId));
  const disconnects: number[] = [];
  rig.service.on('agentDisconnected', (event) => disconnects.push(event.code));

  // Warm-up, then the baseline: the agent has loaded everything it will use.
  const warm = rig.issue({ op: 'getAccountState', target: { by: 'sAMAccountName', value: directory.users[0]! } });
  await withTimeout(warm.issued.result, 20_000, 'warm-up');
  const rssBefore = rssKiB(pid);
  const started = Date.now();
  const frames: MutatedFrame[] = [];
  const kinds = new Map<string, number>();
  for (let sent = 0; sent < FRAMES; sent += BATCH) {
    const batch: MutatedFrame[] = [];
    for (let i = 0; i < BATCH && sent + i < FRAMES; i++) batch.push(mutateFrame(envelope, rand));
    for (const frame of batch) {
      rig.service.sendRaw(agent.agentId, frame.data);
      const kind = frame.what.replace(/ .*$/, '').replace(/\d+/g, 'N');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    frames.push(...batch);
    // Wait until the agent has answered every frame of this batch that must get a result.
    const expected = batch.filter((f) => f.expect === 'result');
    const deadline = Date.now() + 60_000;
    while (expected.some((f) => answerTo(f.id!) === undefined) && Date.now() < deadline) await delay(20);
    if (process.env['FUZZ_DEBUG'] !== undefined) {
      const missing = expected.filter((f) => answerTo(f.id!) === undefined);
      t.log(
        `batch ${sent}: ${missing.length} without result (${missing
          .slice(0, 3)
          .map((f) => f.what)
          .join('; ')}), disconnects ${disconnects.length}`,
      );
    }
  }
  // A marker command after the last frame: once it is answered, every frame before it was read.
  const marker = rig.issue({ op: 'getAccountState', target: { by: 'sAMAccountName', value: directory.users[0]! } });
  t.like(await withTimeout(marker.issued.result, 30_000, 'the marker after the fuzz'), { code: 'OK' });
  const seconds = (Date.now() - started) / 1000;
  const rssAfter = rssKiB(pid);

  const problems: string[] = [];
  const codes = new Map<string, number>();
  let answered = 0;
  for (const frame of frames) {
    const result = frame.id === null ? undefined : answerTo(frame.id);
    if (result !== undefined) {
      answered++;
      codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
    }
    if (problems.length > 10) break;
    if (frame.expect === 'result' && result === undefined) problems.push(`${frame.what}: no result`);
    if (frame.expect === 'none' && result !== undefined) problems.push(`${frame.what}: unexpected result ${result.code}`);
    if (result !== undefined && !frame.codes.includes(result.code)) problems.push(`${frame.what}: code ${result.code}, expected one of ${frame.codes.join(', ')}`);
  }
  const known = new Set(frames.map((f) => f.id));
  const stray = [...new Set([...rig.service.results.keys(), ...rig.service.refusalsBeforeAuthentication.keys()])].filter((id) => !known.has(id) && id !== warm.id && id !== marker.id);
  const writes = directory.sim.opLog.all().filter((r) => r.operation === 'modify').length;

  const figures = {
    scenario: 'socket-fuzz',
    commands: 2,
    results: 2,
    lost: 0,
    appliedTwice: 0,
    conflictingResults: rig.duplicates.conflicting,
    faultsInjected: 0,
    faults: {},
    codes: Object.fromEntries(codes),
    durationMs: Date.now() - rig.startedAt,
    hostileFrames: frames.length,
    hostileFramesAnswered: answered,
    strayResults: stray.length,
    framesPerSecond: Math.round(frames.length / seconds),
    rssBeforeKiB: rssBefore,
    rssAfterKiB: rssAfter,
    mutationKinds: Object.fromEntries(kinds),
    seed,
  };
  t.log(`socket fuzz: ${frames.length} frames in ${seconds.toFixed(1)} s; agent RSS ${Math.round(rssBefore / 1024)} MiB before, ${Math.round(rssAfter / 1024)} MiB after`);
  t.log(`figures socket-fuzz: ${JSON.stringify(figures)}`);
  await recordFigures(figures);

  t.deepEqual(problems, [], `seed ${seed}`);
  t.true(rig.alive(agent), 'the agent process is still running');
  t.deepEqual(disconnects, [], 'the agent kept its session');
  t.deepEqual(
    acks.filter((id) => id !== warm.id && id !== marker.id),
    [],
    'no mutated frame was accepted (acked)',
  );
  t.is(writes, 0, 'nothing was written to the directory');
  t.true(stray.length <= frames.filter((f) => f.expect === 'any').length, 'results for other ids only come from byte changes inside an id');
  t.true(rssAfter < rssBefore + 200 * 1024, `RSS grew from ${rssBefore} KiB to ${rssAfter} KiB`);
  t.false(/unhandled|uncaught/i.test(agent.process!.output), 'no unhandled rejection or uncaught exception');
  t.deepEqual(findSecrets([rig.dir], rig.passwords), []);
});
