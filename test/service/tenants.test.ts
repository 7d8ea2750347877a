import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMigrated } from '../../service/db/open-database.js';
import { createTenant, findTenant } from '../../service/store/tenants.js';

// The tenant argument comes from the command line or an API path and is echoed in the refusal: no
// control character, C1 control or bidi override may reach the admin's terminal through it.

// ESC, CSI (C1), a right-to-left override, a line separator and a carriage return.
const HOSTILE = 'acme\u001b[2J\u009b31m\u202eevil\u2028line\rover';
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

test('a tenant that is not found is named without control characters or bidi overrides', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-tenants-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = await openMigrated({ url: null, sqliteFile: join(dir, 'service.db') });
  t.teardown(() => store.close());
  const notFound = await t.throwsAsync(findTenant(store.db, HOSTILE), { message: /^no tenant "acme/ });
  t.false(UNPRINTABLE.test(notFound.message), JSON.stringify(notFound.message));
  const badName = await t.throwsAsync(createTenant(store.db, HOSTILE, new Date()), { message: /^tenant name "acme/ });
  t.false(UNPRINTABLE.test(badName.message), JSON.stringify(badName.message));
});
