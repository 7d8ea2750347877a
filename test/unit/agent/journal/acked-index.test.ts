import test from 'ava';
import { randomUUID } from 'node:crypto';
import { AckedIndex, type AckedPlace } from '../../../../agent/journal/acked-index.js';

/**
 * The index of acknowledged journal entries against a plain Map as the model: lower-case UUIDs go
 * into its packed table, anything else keeps its string, and both must behave like one Map
 * (exact ids, insertion order, deletes, growth past the initial sizes).
 */

const place = (n: number): AckedPlace => ({ offset: n * 100, length: n + 1, acknowledgedAtMs: 1_700_000_000_000 + n * 1000, expiresAtMs: 1_700_000_600_000 + n * 1000 });

/** A time-ordered UUID (like v7): the leading words of consecutive ids are equal, the hash must still spread them. */
function timeOrderedUuid(n: number): string {
  const hex = (0x0190_0000_0000 + Math.floor(n / 16)).toString(16).padStart(12, '0') + '7' + (n % 4096).toString(16).padStart(3, '0') + '8' + n.toString(16).padStart(15, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

test('behaves like a Map over 20,000 mixed ids: get, has, size, insertion order, overwrite and delete', (t) => {
  const index = new AckedIndex();
  const model = new Map<string, AckedPlace>();
  const ids: string[] = [];
  for (let n = 0; n < 20_000; n++) {
    const id = n % 10 === 0 ? `legacy-${n}` : n % 3 === 0 ? timeOrderedUuid(n) : randomUUID();
    ids.push(id);
    index.set(id, place(n));
    model.set(id, place(n));
  }
  // Overwrites keep the first position; deletes free the id.
  for (let n = 0; n < ids.length; n += 7) {
    index.set(ids[n]!, place(n + 1));
    model.set(ids[n]!, place(n + 1));
  }
  for (let n = 3; n < ids.length; n += 11) {
    t.true(index.delete(ids[n]!));
    model.delete(ids[n]!);
  }
  t.false(index.delete(ids[3]!), 'a second delete finds nothing');
  t.is(index.size, model.size);
  for (const id of ids) {
    t.is(index.has(id), model.has(id));
    t.deepEqual(index.get(id), model.get(id));
  }
  t.deepEqual([...index.entries()], [...model.entries()]);
  // A deleted id can come back, at the end.
  index.set(ids[3]!, place(3));
  model.set(ids[3]!, place(3));
  t.deepEqual([...index.entries()].at(-1), [ids[3]!, place(3)]);
  t.is(index.size, model.size);
});

test('ids match exactly as written: an upper-case UUID is another id than its lower-case form', (t) => {
  const index = new AckedIndex();
  const lower = randomUUID();
  const upper = lower.toUpperCase();
  index.set(lower, place(1));
  t.false(index.has(upper));
  index.set(upper, place(2));
  t.deepEqual(index.get(lower), place(1));
  t.deepEqual(index.get(upper), place(2));
  t.deepEqual(
    [...index.entries()].map(([id]) => id),
    [lower, upper],
  );
  t.true(index.delete(upper));
  t.true(index.has(lower));
});

test('unknown ids are not found, whatever their shape', (t) => {
  const index = new AckedIndex();
  for (let n = 0; n < 3000; n++) index.set(randomUUID(), place(n));
  for (const id of [randomUUID(), '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'a', '']) {
    t.false(index.has(id), id);
    t.is(index.get(id), undefined);
    t.false(index.delete(id));
  }
  t.is(index.size, 3000);
});
