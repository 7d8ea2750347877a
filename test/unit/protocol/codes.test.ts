import test from 'ava';
import { ResultCode, statusOfCode } from '../../../protocol/codes.js';

test('every result code has a status, and only OK succeeds', (t) => {
  for (const code of Object.values(ResultCode)) {
    t.truthy(statusOfCode[code], code);
    t.is(statusOfCode[code] === 'succeeded', code === 'OK', code);
  }
});
