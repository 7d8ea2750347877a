import test from 'ava';
import { parseFlags } from '../../../../agent/cli/args.js';

const options = { config: { type: 'string', help: 'c' }, token: { type: 'string', help: 't' }, json: { type: 'boolean', help: 'j' } } as const;

test('a value that starts with "-" belongs to its flag (registration tokens are base64url)', (t) => {
  t.is(parseFlags(['--token', '-abc_DEF', '--config', 'x.json'], options, 'register').values.token, '-abc_DEF');
  t.is(parseFlags(['--token=--weird'], options, 'register').values.token, '--weird');
});

test('unknown flags and missing values are one-line errors naming the command', (t) => {
  t.throws(() => parseFlags(['--nope'], options, 'register'), { message: 'unknown option --nope; run `writeback-agent register --help`' });
  t.throws(() => parseFlags(['--token'], options, 'register'), { message: 'option --token needs a value; run `writeback-agent register --help`' });
  t.throws(() => parseFlags(['--json=yes'], options, 'status'), { message: 'option --json takes no value; run `writeback-agent status --help`' });
  t.true(parseFlags(['--json'], options, 'status').values.json);
});
