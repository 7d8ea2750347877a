import test from 'ava';
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';

let dc: SambaDc;
test.before(async () => {
  dc = await startSambaDc();
});
test.after.always(async () => {
  await dc?.destroy();
});

test('the DC answers LDAPS verified against the fixture CA, and svc-writeback binds', async (t) => {
  t.is(await dc.tryBind(dc.svcUpn, dc.svcPassword), null);
  t.regex((await dc.tryBind(dc.svcUpn, 'Wrong#Pass1')) ?? '', /data 52e/);
});
