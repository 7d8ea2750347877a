import test from 'ava';
import { parseFlags } from '../../../../agent/cli/args.js';

const options = { config: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' } } as const;

test('a value that starts with "-" belongs to its flag (registration tokens are base64url)', (t) => {
  t.is(parseFlags(['--token', '-abc_DEF', '--config', 'x.json'], options, 'register').values.token, '-abc_DEF');
  t.is(parseFlags(['--token=--weird'], options, 'register').values.token, '--weird');
});

test('unknown flags and missing values are one-line errors naming the command', (t) => {
  t.throws(() => parseFlags(['--nope'], options, 'register'), { message: /^register: .*nope.*writeback-agent help/ });
  t.throws(() => parseFlags(['--token'], options, 'register'), { message: /^register: .*token/ });
  t.true(parseFlags(['--json'], options, 'status').values.json);
});
