import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { certificateExpiry, certificateFileExpiry, describeExpiry } from '../../../../agent/net/certificate-expiry.js';

const run = promisify(execFile);
const DAY = 24 * 60 * 60 * 1000;
const warningDays = [30, 14, 7, 1];

async function makeCertificate(dir: string, name: string, days: number): Promise<string> {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  try {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', String(days), '-subj', `/CN=${name}`]);
  } catch (error) {
    throw new Error(`openssl is needed for this test (apt-get install openssl): ${(error as Error).message}`);
  }
  return readFile(certFile, 'utf8');
}

test('days left and warning thresholds from a PEM, an X509Certificate and a peer certificate', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-cert-'));
  const pem = await makeCertificate(dir, 'dc1.corp.example', 20);
  const notAfter = new Date(new X509Certificate(pem).validTo);

  const fresh = certificateExpiry(pem, { now: new Date(notAfter.getTime() - 40 * DAY), warningDays });
  t.like(fresh, { subject: 'CN=dc1.corp.example', daysLeft: 40, status: 'ok', thresholdDays: null });
  t.deepEqual(fresh.notAfter, notAfter);

  const soon = certificateExpiry(new X509Certificate(pem), { now: new Date(notAfter.getTime() - 10 * DAY - 1000), warningDays });
  t.like(soon, { daysLeft: 10, status: 'warning', thresholdDays: 14 });
  t.regex(describeExpiry(soon, 'directory corp'), /^TLS certificate CN=dc1\.corp\.example \(directory corp\) expires in 10 days on /);

  const lastDay = certificateExpiry({ valid_to: notAfter.toUTCString(), subject: { CN: 'dc1.corp.example' } }, { now: new Date(notAfter.getTime() - 3 * 60 * 60 * 1000), warningDays });
  t.like(lastDay, { subject: 'CN=dc1.corp.example', daysLeft: 0, status: 'warning', thresholdDays: 1 });

  const expired = certificateExpiry(pem, { now: new Date(notAfter.getTime() + DAY), warningDays });
  t.like(expired, { status: 'expired', daysLeft: -1 });
  t.regex(describeExpiry(expired, 'service'), /expired on .*; renew it now$/);
});

test('checks every certificate of a CA bundle file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-cert-'));
  const bundle = join(dir, 'bundle.pem');
  await writeFile(bundle, (await makeCertificate(dir, 'root', 3650)) + (await makeCertificate(dir, 'intermediate', 5)));
  const results = await certificateFileExpiry(bundle, { now: new Date(), warningDays });
  t.deepEqual(
    results.map((r) => [r.subject, r.status]),
    [
      ['CN=root', 'ok'],
      ['CN=intermediate', 'warning'],
    ],
  );
  await writeFile(bundle, 'not a certificate');
  await t.throwsAsync(certificateFileExpiry(bundle, { now: new Date(), warningDays }), { message: /holds no PEM certificate/ });
});
