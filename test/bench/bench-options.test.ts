import test from 'ava';
import { parseBenchOptions, UsageError } from '../../bench/bench-options.js';

test('the bench alternates in four blocks and takes at least 500 steady samples a side by default', (t) => {
  const full = parseBenchOptions([]);
  t.is(full.rounds, 4);
  t.is(full.minSteady, 500);
  const quick = parseBenchOptions(['--quick']);
  t.is(quick.minSteady, 100);
  const set = parseBenchOptions(['--rounds', '1', '--min-steady', '0']);
  t.is(set.rounds, 1);
  t.is(set.minSteady, 0);
});

test('--rounds below one and a non-integer --min-steady are usage errors', (t) => {
  t.throws(() => parseBenchOptions(['--rounds', '0']), { instanceOf: UsageError, message: /--rounds must be an integer >= 1/ });
  t.throws(() => parseBenchOptions(['--min-steady', '2.5']), { instanceOf: UsageError, message: /--min-steady must be an integer >= 0/ });
});

test('the service tier runs every side by default; --service-burst 0 skips it and an unknown side is a usage error', (t) => {
  const full = parseBenchOptions([]);
  t.deepEqual(full.serviceSides, ['service-sim', 'sqlite', 'sqlite-normal', 'postgres-1', 'postgres-2']);
  t.true(full.serviceBurst > 0 && full.serviceSequential > 0);
  t.is(parseBenchOptions(['--service-burst', '0']).serviceBurst, 0);
  t.deepEqual(parseBenchOptions(['--service-sides', 'service-sim,sqlite']).serviceSides, ['service-sim', 'sqlite']);
  t.throws(() => parseBenchOptions(['--service-sides', 'mysql']), { instanceOf: UsageError, message: /unknown service side mysql/ });
});
