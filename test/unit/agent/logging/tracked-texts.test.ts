import test from 'ava';
import { TrackedTexts } from '../../../../agent/logging/tracked-texts.js';

const M = '#';

/** The obvious way: every occurrence of every text is an interval; overlapping intervals merge. */
function reference(texts: string[], text: string): string {
  const intervals: [number, number][] = [];
  for (const value of new Set(texts)) {
    if (value === '') continue;
    for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) intervals.push([at, at + value.length]);
  }
  intervals.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const [start, end] of intervals) {
    const top = merged[merged.length - 1];
    if (top !== undefined && start < top[1]) top[1] = Math.max(top[1], end);
    else merged.push([start, end]);
  }
  let out = '';
  let kept = 0;
  for (const [start, end] of merged) {
    out += text.slice(kept, start) + M;
    kept = end;
  }
  return out + text.slice(kept);
}

test('masks every occurrence; overlapping or nested texts become one mask, touching ones stay apart', (t) => {
  const tracked = new TrackedTexts();
  for (const text of ['bcd', 'ab', 'pw', 'Ünï-pw', 'outer-inner-outer', 'inner']) tracked.add(text);
  t.is(tracked.mask('abcd', M), '#', 'ab and bcd overlap: nothing of either is left');
  t.is(tracked.mask('x abcd y', M), 'x # y');
  t.is(tracked.mask('pwpw', M), '##');
  t.is(tracked.mask('say Ünï-pw now', M), 'say # now');
  t.is(tracked.mask('[outer-inner-outer] and inner', M), '[#] and #');
  t.is(tracked.mask('nothing here', M), 'nothing here');
  t.is(tracked.mask('', M), '');
});

test('counts overlapping holders and forgets a text only when the last one lets go', (t) => {
  const tracked = new TrackedTexts();
  tracked.add('Secret-1');
  tracked.add('Secret-1');
  tracked.add('S1');
  t.is(tracked.size, 2);
  tracked.remove('Secret-1');
  t.is(tracked.mask('Secret-1', M), '#');
  tracked.remove('Secret-1');
  t.is(tracked.mask('Secret-1', M), 'Secret-1');
  t.is(tracked.mask('S1', M), '#');
  tracked.remove('S1');
  tracked.remove('never added');
  t.is(tracked.size, 0);
  t.is(tracked.mask('S1', M), 'S1');
});

test('agrees with the obvious interval method on random texts and tracked sets', (t) => {
  // A small alphabet (with a non-ASCII letter) makes overlaps, nesting and repeats common.
  const alphabet = ['a', 'b', 'c', 'é', '-'];
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const word = (min: number, max: number): string => Array.from({ length: min + random(max - min + 1) }, () => alphabet[random(alphabet.length)]).join('');
  for (let round = 0; round < 3_000; round++) {
    const tracked = new TrackedTexts();
    const texts = Array.from({ length: 1 + random(5) }, () => word(1, 4));
    for (const text of texts) tracked.add(text);
    // Sometimes drop one again, so removal keeps the index right.
    if (random(3) === 0) {
      const gone = texts.splice(random(texts.length), 1)[0]!;
      if (!texts.includes(gone)) tracked.remove(gone);
      else texts.push(gone);
    }
    const text = word(0, 24);
    t.is(tracked.mask(text, M), reference(texts, text), JSON.stringify({ texts, text }));
  }
});
