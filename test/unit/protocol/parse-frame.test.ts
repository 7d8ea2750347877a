import test from 'ava';
import { readFileSync } from 'node:fs';
import { FrameError, MAX_FRAME_BYTES, checkTimeWindow, fromBase64Url, parseServiceFrame, parseStrictJson, parseTime, validateCommandMessage, type Command } from '../../../protocol/index.js';

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/protocol/vectors.json', import.meta.url), 'utf8'));
const commandFrame = vectors.command.message;

test('the strict JSON parser refuses duplicate and prototype member names, lone surrogates and deep nesting', (t) => {
  t.like(parseStrictJson('{"a":1,"a":2}'), { ok: false });
  t.like(parseStrictJson('{"__proto__":{"x":1}}'), { ok: false });
  t.like(parseStrictJson('{"constructor":1}'), { ok: false });
  t.like(parseStrictJson('{"x":{"prototype":1}}'), { ok: false });
  t.like(parseStrictJson('"\\ud800"'), { ok: false });
  t.like(parseStrictJson('['.repeat(40) + ']'.repeat(40)), { ok: false });
  t.like(parseStrictJson('{"a":1} x'), { ok: false });
  t.like(parseStrictJson('01'), { ok: false });
  t.like(parseStrictJson('1e400'), { ok: false });
  t.deepEqual(parseStrictJson('{"a":[1,2.5,-3e2,"é\\n\\u00e9",true,false,null]}'), {
    ok: true,
    value: { a: [1, 2.5, -300, 'é\né', true, false, null] },
  });
});

test('frames: binary, over 64 KiB, invalid UTF-8, non-objects and unknown types are frame errors', (t) => {
  t.like(parseServiceFrame(JSON.stringify(commandFrame), true), { ok: false, error: FrameError.BINARY_FRAME });
  t.like(parseServiceFrame(JSON.stringify({ type: 'challenge', pad: 'x'.repeat(MAX_FRAME_BYTES) })), { ok: false, error: FrameError.FRAME_TOO_LARGE });
  t.like(parseServiceFrame(Buffer.from([0x7b, 0xff, 0x7d])), { ok: false, error: FrameError.INVALID_UTF8 });
  for (const text of ['[]', '"command"', '42', 'null', '{"type":7}']) {
    t.like(parseServiceFrame(text), { ok: false, error: FrameError.NOT_A_MESSAGE }, text);
  }
  t.like(parseServiceFrame('{"type":"launchMissiles"}'), { ok: false, error: FrameError.UNKNOWN_TYPE });
  t.like(parseServiceFrame('{"type":"welcome","sessionId":"s"}'), { ok: false, error: FrameError.INVALID_MESSAGE });
  t.like(parseServiceFrame(JSON.stringify(commandFrame)), { ok: true, message: { type: 'command' } });
});

test('a command missing a member or with a wrong-typed one is MALFORMED and keeps its id', (t) => {
  for (const [key, value] of [
    ['op', undefined],
    ['target', 'alice'],
    ['issuedAt', '2026-11-21T20:00:00Z'],
    ['params', []],
    ['secret', undefined],
  ] as const) {
    const command = { ...commandFrame.command, [key]: value };
    const result = validateCommandMessage({ ...commandFrame, command });
    t.like(result, { ok: false, commandId: commandFrame.command.id }, key);
  }
  const noId = validateCommandMessage({ ...commandFrame, command: { ...commandFrame.command, id: 42 } });
  t.like(noId, { ok: false, commandId: null });
});

test('a command living longer than 15 minutes, or ending before it starts, is MALFORMED', (t) => {
  const long = { ...commandFrame.command, expiresAt: '2026-11-21T20:15:00.001Z' };
  t.like(validateCommandMessage({ ...commandFrame, command: long }), { ok: false, reason: 'command.expiresAt is more than 15 minutes after command.issuedAt' });
  const reversed = { ...commandFrame.command, expiresAt: '2026-11-21T19:59:59.999Z' };
  t.like(validateCommandMessage({ ...commandFrame, command: reversed }), { ok: false });
});

test('resetPassword params must be booleans; unknown params are ignored', (t) => {
  const bad = { ...commandFrame.command, params: { unlock: 'yes' } };
  t.like(validateCommandMessage({ ...commandFrame, command: bad }), { ok: false, reason: 'command.params.unlock must be a boolean' });
  const extra = { ...commandFrame.command, params: { unlock: true, futureFlag: { any: 1 } } };
  t.like(validateCommandMessage({ ...commandFrame, command: extra }), { ok: true });
});

test('time window: expired after expiresAt plus skew, refused when issued beyond the skew in the future', (t) => {
  const command = commandFrame.command as Command;
  const at = (iso: string) => new Date(iso);
  t.is(checkTimeWindow(command, at('2026-11-21T20:06:00.000Z'), 60_000), null);
  t.truthy(checkTimeWindow(command, at('2026-11-21T20:06:00.001Z'), 60_000));
  t.is(checkTimeWindow(command, at('2026-11-21T19:59:00.000Z'), 60_000), null);
  t.truthy(checkTimeWindow(command, at('2026-11-21T19:58:59.999Z'), 60_000));
});

test('wire times and base64url are strict', (t) => {
  t.truthy(parseTime('2026-11-21T20:00:00.000Z'));
  for (const bad of ['2026-11-21T20:00:00Z', '2026-11-21T20:00:00.000+00:00', '2026-02-30T00:00:00.000Z', '2026-11-21 20:00:00.000Z']) {
    t.is(parseTime(bad), null, bad);
  }
  t.deepEqual(fromBase64Url('AQID'), Buffer.from([1, 2, 3]));
  t.is(fromBase64Url('AQID='), null);
  t.is(fromBase64Url('AQ+D'), null);
  t.is(fromBase64Url('AR'), null, 'non-canonical trailing bits');
  t.is(fromBase64Url('AQID', 4), null);
});
