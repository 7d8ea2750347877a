import test from 'ava';
import { nodeDebugLeak } from '../../../../agent/cli/node-debug-guard.js';
import { runCli } from '../../../helpers/agent-process.js';

test('NODE_DEBUG names that switch on ldapts debug output are found, as node matches them', (t) => {
  t.is(nodeDebugLeak(undefined), null);
  t.is(nodeDebugLeak(''), null);
  t.is(nodeDebugLeak('net,tls'), null);
  t.is(nodeDebugLeak('ldap'), null);
  t.is(nodeDebugLeak('ldapts'), 'ldapts');
  t.is(nodeDebugLeak('net, LDAPTS'), 'LDAPTS');
  t.is(nodeDebugLeak('ld*'), 'ld*');
  t.is(nodeDebugLeak('*'), '*');
  t.is(nodeDebugLeak('ldap.s'), null, 'a dot is a dot, not any character');
});

test('the CLI refuses to run with NODE_DEBUG=ldapts, naming it, before reading any config', async (t) => {
  const result = await runCli(['run', '--config', '/nonexistent/agent.json'], { env: { ...process.env, NODE_DEBUG: 'net,ldapts' } });
  t.is(result.code, 2);
  t.regex(result.stderr, /NODE_DEBUG=ldapts .*passwords included/);
  t.notRegex(result.stderr, /nonexistent/);
});

test('the CLI refuses to run with NODE_TLS_REJECT_UNAUTHORIZED=0, before reading any config (issue 24)', async (t) => {
  const result = await runCli(['run', '--config', '/nonexistent/agent.json'], { env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
  t.is(result.code, 2);
  t.regex(result.stderr, /NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate verification/);
  t.notRegex(result.stderr, /nonexistent/);
});
