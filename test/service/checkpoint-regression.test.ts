import test from 'ava';
import { checkpointRegression, CheckpointRegression } from '../../service/store/checkpoint-regression.js';

// Issue 24, item 9: when a later audit checkpoint extends the previous one. A log only grows and
// each line chains the one before, so anything else is a rewrite (or a log an admin moved aside).

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

const cases: { name: string; previous: { lastHash: string; bytes: number }; next: { lastHash: string; bytes: number }; expected: CheckpointRegression | null }[] = [
  { name: 'a longer log with a new last line', previous: { lastHash: A, bytes: 100 }, next: { lastHash: B, bytes: 180 }, expected: null },
  { name: 'the same checkpoint signed again later (no new line)', previous: { lastHash: A, bytes: 100 }, next: { lastHash: A, bytes: 100 }, expected: null },
  { name: 'a shorter log', previous: { lastHash: A, bytes: 100 }, next: { lastHash: B, bytes: 60 }, expected: CheckpointRegression.SHORTER },
  { name: 'a shorter log ending in the same line', previous: { lastHash: A, bytes: 100 }, next: { lastHash: A, bytes: 60 }, expected: CheckpointRegression.SHORTER },
  { name: 'an empty-then-rebuilt log of one line', previous: { lastHash: A, bytes: 4000 }, next: { lastHash: B, bytes: 210 }, expected: CheckpointRegression.SHORTER },
  { name: 'the same length ending in another line', previous: { lastHash: A, bytes: 100 }, next: { lastHash: B, bytes: 100 }, expected: CheckpointRegression.OTHER_HEAD },
  { name: 'the same last line at a greater length', previous: { lastHash: A, bytes: 100 }, next: { lastHash: A, bytes: 140 }, expected: CheckpointRegression.SAME_HEAD_OTHER_LENGTH },
];

for (const { name, previous, next, expected } of cases) {
  test(`${name}: ${expected ?? 'extends'}`, (t) => {
    t.is(checkpointRegression(previous, next), expected);
  });
}
