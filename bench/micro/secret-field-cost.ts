/**
 * CPU of findSecretField on the records the journal and audit log check before every write
 * (issue 9): a journal `done` record carrying a signed result frame, and an audit record.
 *
 *   node --import tsx bench/micro/secret-field-cost.ts [iterations]
 */
import { findSecretField } from '../../agent/logging/secret-keys.js';

const iterations = Number(process.argv[2] ?? 200_000);
const done = {
  r: 'done',
  id: '0193a2b4-7c1d-7e0f-8a9b-000000000001',
  at: '2026-11-22T00:00:00.000Z',
  result: {
    type: 'result',
    v: 1,
    id: '0193a2b4-7c1d-7e0f-8a9b-000000000002',
    commandId: '0193a2b4-7c1d-7e0f-8a9b-000000000001',
    agentId: 'agent-1',
    tenantId: 'tenant-1',
    status: 'succeeded',
    code: 'OK',
    message: 'password reset',
    details: { dn: 'uid=user1,ou=people,dc=example,dc=org', mustChangePassword: false, unlocked: true, passwordLastSet: '2026-11-22T00:00:00.000Z' },
    completedAt: '2026-11-22T00:00:00.000Z',
    sig: { alg: 'EdDSA', kid: 'agent-1#1', value: 'x'.repeat(86) },
  },
};
const audit = { commandId: done.id, op: 'resetPassword', directory: 'ldap', dn: 'uid=user1,ou=people,dc=example,dc=org', code: 'OK', status: 'succeeded', time: done.at };

for (const [name, record] of [
  ['journal done record', done],
  ['audit record', audit],
] as const) {
  for (let i = 0; i < 20_000; i++) findSecretField(record);
  const start = process.hrtime.bigint();
  let found = 0;
  for (let i = 0; i < iterations; i++) if (findSecretField(record) !== null) found++;
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  console.log(JSON.stringify({ record: name, nsPerCall: Math.round(ns), found }));
}
