import test from 'ava';
import { classifyError } from '../../../../agent/diagnose/classify-error.js';
import { describeConnectFailure } from '../../../../agent/diagnose/connect-failure.js';
import { Diagnosis } from '../../../../agent/diagnose/network-causes.js';

const errno = (code: string, message = `failed ${code}`): Error => Object.assign(new Error(message), { code });
const direct = { url: 'wss://reset.example.com/agent/v1', allowInsecure: false, caFile: null, proxy: null };
const proxied = { ...direct, proxy: 'http://proxy.corp.example:3128' };

test('Node error codes map to the cause an admin acts on', (t) => {
  t.like(classifyError(errno('ENOTFOUND'), { viaProxy: false }), { cause: 'NAME_NOT_RESOLVED', detail: 'ENOTFOUND' });
  t.like(classifyError(errno('ECONNREFUSED'), { viaProxy: false }), { cause: 'CONNECTION_REFUSED' });
  t.like(classifyError(errno('ETIMEDOUT'), { viaProxy: false }), { cause: 'CONNECTION_TIMEOUT' });
  t.like(classifyError(errno('SELF_SIGNED_CERT_IN_CHAIN'), { viaProxy: false }), { cause: 'TLS_INSPECTION' });
  t.like(classifyError(errno('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), { viaProxy: false }), { cause: 'TLS_INSPECTION' });
  t.like(classifyError(errno('ERR_TLS_CERT_ALTNAME_INVALID'), { viaProxy: false }), { cause: 'NAME_MISMATCH' });
  t.like(classifyError(errno('CERT_HAS_EXPIRED'), { viaProxy: false }), { cause: 'CERT_EXPIRED' });
  t.like(classifyError(errno('ERR_SSL_SOMETHING_NEW'), { viaProxy: false }), { cause: 'TLS_FAILED' });
});

test('an HTTP answer instead of an upgrade: 407 through a proxy is proxy authentication, anything else is named with its status', (t) => {
  const answer = (status: number): Error => new Error(`Unexpected server response: ${status}`);
  t.like(classifyError(answer(407), { viaProxy: true }), { cause: 'PROXY_AUTH_REQUIRED' });
  t.like(classifyError(answer(407), { viaProxy: false }), { cause: 'NOT_WEBSOCKET', detail: 'HTTP 407' });
  t.like(classifyError(answer(200), { viaProxy: true }), { cause: 'NOT_WEBSOCKET', detail: 'HTTP 200' });
});

test('unknown errors and LDAP result codes are not guessed at', (t) => {
  t.is(classifyError(new Error('something else'), { viaProxy: false }), null);
  t.is(classifyError(Object.assign(new Error('x'), { code: 49 }), { viaProxy: false }), null);
  t.is(classifyError('a string', { viaProxy: false }), null);
});

test("the running agent's text is the cause's label and detail, never the library's message", (t) => {
  const failure = describeConnectFailure(new Error('Unexpected server response: 407'), proxied);
  t.deepEqual(failure, { cause: 'PROXY_AUTH_REQUIRED', text: 'proxy requires authentication (the proxy answered HTTP 407)', fix: Diagnosis.causes.PROXY_AUTH_REQUIRED.fix });
  const inspected = describeConnectFailure(errno('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), direct);
  t.is(inspected.text, 'TLS inspection suspected (SELF_SIGNED_CERT_IN_CHAIN)');
  t.regex(inspected.fix ?? '', /exempt reset\.example\.com from TLS inspection;/);
  const unknown = describeConnectFailure(new Error('a library said something long'), direct);
  t.is(unknown.cause, null);
  t.is(unknown.text, 'the connection failed (Error)');
});

test('every cause belongs to a step of the table', (t) => {
  const steps = new Set<string>([...Diagnosis.steps.service, ...Diagnosis.steps.directory]);
  for (const [code, cause] of Object.entries(Diagnosis.causes)) t.true(steps.has(cause.step), code);
});
