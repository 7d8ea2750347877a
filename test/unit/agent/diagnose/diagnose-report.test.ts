import test from 'ava';
import { diagnoseExitStatus, diagnoseJson, diagnoseText } from '../../../../agent/diagnose/diagnose-report.js';
import type { StepResult } from '../../../../agent/diagnose/network-causes.js';

const service = 'wss://reset.example.com/agent/v1';
const ok: StepResult = { path: 'service', target: service, step: 'resolve', status: 'OK', detail: 'reset.example.com is 192.0.2.1' };
const warn: StepResult = { path: 'directory', target: 'ldaps://dc1:636', directory: 'corp', step: 'expiry', status: 'WARN', detail: 'expires soon', cause: 'CERT_EXPIRES_SOON', fix: 'renew it' };
const fail: StepResult = {
  path: 'service',
  target: service,
  step: 'proxy',
  status: 'FAIL',
  detail: 'proxy requires authentication: …',
  cause: 'PROXY_AUTH_REQUIRED',
  fix: 'put the proxy account in service.proxy',
};
const skipped: StepResult = { path: 'service', target: service, step: 'tcp', status: 'SKIPPED', detail: 'not tried: an earlier step failed' };

test('exit 0 with only OK and WARN, 1 with a FAIL', (t) => {
  t.is(diagnoseExitStatus([ok, warn]), 0);
  t.is(diagnoseExitStatus([ok, fail, skipped, warn]), 1);
  t.like(diagnoseJson([ok, fail]), { ok: false });
});

test('one heading per target, one line per step, the fix under what is not OK, a summary', (t) => {
  t.is(
    diagnoseText([ok, fail, skipped, warn]),
    [
      `service ${service}`,
      'OK    resolve: reset.example.com is 192.0.2.1',
      'FAIL  proxy: proxy requires authentication: …',
      '      fix: put the proxy account in service.proxy',
      'SKIP  tcp: not tried: an earlier step failed',
      '',
      'directory corp ldaps://dc1:636',
      'WARN  expiry: expires soon',
      '      fix: renew it',
      '',
      'failed: service proxy (PROXY_AUTH_REQUIRED)',
      '',
    ].join('\n'),
  );
  t.regex(diagnoseText([ok, warn]), /\nall steps OK \(1 warning\)\n$/);
});
