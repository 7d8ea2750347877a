import test from 'ava';
import { readRegistrationToken, type TokenInput } from '../../../../agent/cli/token-source.js';
import { printable } from '../../../../agent/logging/printable-text.js';

// Issue 24, item 7: the registration token need not be on the command line (readable by every local user).

const input = (files: Record<string, string>, stdin = ''): TokenInput => ({
  readFile: (path) => (path in files ? Promise.resolve(files[path]!) : Promise.reject(Object.assign(new Error('no'), { code: 'ENOENT' }))),
  readStdin: () => Promise.resolve(stdin),
});

test('the token comes from --token-file or --token-stdin, without its trailing newline', async (t) => {
  t.is(await readRegistrationToken({ 'token-file': '/run/token' }, input({ '/run/token': 'tok-123\n' })), 'tok-123');
  t.is(await readRegistrationToken({ 'token-stdin': true }, input({}, '  -tok_456\r\n')), '-tok_456');
  t.is(await readRegistrationToken({ token: 'tok-789' }, input({})), 'tok-789');
});

test('none, two sources, an unreadable file or an empty token: one line naming the fix', async (t) => {
  await t.throwsAsync(readRegistrationToken({}, input({})), { message: /--token-file F or --token-stdin/ });
  await t.throwsAsync(readRegistrationToken({ token: 'a', 'token-stdin': true }, input({}, 'b')), { message: /give the token once/ });
  await t.throwsAsync(readRegistrationToken({ 'token-file': '/nope' }, input({})), { message: /cannot read --token-file \/nope \(ENOENT\)/ });
  await t.throwsAsync(readRegistrationToken({ 'token-stdin': true }, input({}, '\n')), { message: /empty/ });
});

test('service text is printed without control characters, bidi overrides or line separators', (t) => {
  t.is(printable('INVALID_TOKEN\u001b[2J\r\u0007ok'), 'INVALID_TOKEN?[2J??ok');
  t.is(printable('agent-\u202eexe.txt\u2028x\u009b'), 'agent-?exe.txt?x?');
  t.is(printable('plain agent-1 ünïcödé'), 'plain agent-1 ünïcödé');
});
