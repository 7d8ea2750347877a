import { FrameError } from './frame-errors.js';
import { MAX_FRAME_BYTES, type AgentMessage, type ServiceMessage } from './messages.js';
import { SchemaError, isJsonObject, type JsonObject } from './schema.js';
import { parseStrictJson } from './strict-json.js';
import { Subprotocol } from './versions.js';
import { validateAgentMessage, validateServiceMessage } from './validate-message.js';

export type FrameParse<M> =
  | { ok: true; message: M; raw: JsonObject }
  /** `raw` is set when the frame was a JSON object: a malformed `command` may still carry an id. */
  | { ok: false; error: FrameError; reason: string; raw?: JsonObject };

/** Decodes a WebSocket frame into a JSON object with a string `type`. Never throws. */
export function decodeFrame(data: Buffer | string, isBinary: boolean): { ok: true; raw: JsonObject } | { ok: false; error: FrameError; reason: string } {
  if (isBinary) return { ok: false, error: FrameError.BINARY_FRAME, reason: 'binary frame' };
  const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
  if (bytes > MAX_FRAME_BYTES) return { ok: false, error: FrameError.FRAME_TOO_LARGE, reason: `frame of ${bytes} bytes` };
  let text: string;
  if (typeof data === 'string') text = data;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch {
      return { ok: false, error: FrameError.INVALID_UTF8, reason: 'frame is not UTF-8' };
    }
  }
  const parsed = parseStrictJson(text);
  if (!parsed.ok) return { ok: false, error: FrameError.INVALID_JSON, reason: parsed.reason };
  if (!isJsonObject(parsed.value) || typeof parsed.value['type'] !== 'string') {
    return { ok: false, error: FrameError.NOT_A_MESSAGE, reason: 'not an object with a string type' };
  }
  return { ok: true, raw: parsed.value };
}

function parseWith<M>(data: Buffer | string, isBinary: boolean, validate: (raw: JsonObject) => M | null): FrameParse<M> {
  const decoded = decodeFrame(data, isBinary);
  if (!decoded.ok) return decoded;
  const { raw } = decoded;
  try {
    const message = validate(raw);
    if (message === null) return { ok: false, error: FrameError.UNKNOWN_TYPE, reason: 'unknown message type', raw };
    return { ok: true, message, raw };
  } catch (error) {
    const reason = error instanceof SchemaError ? error.message : 'invalid message';
    return { ok: false, error: FrameError.INVALID_MESSAGE, reason, raw };
  }
}

/**
 * What the agent receives, on a session of `version` (default v2). A `command` is only
 * shape-checked as an envelope here; the pipeline validates it.
 */
export function parseServiceFrame(data: Buffer | string, isBinary = false, version: Subprotocol = Subprotocol.v2): FrameParse<ServiceMessage> {
  return parseWith(data, isBinary, (raw) => validateServiceMessage(raw, version));
}

/** What the service receives. */
export function parseAgentFrame(data: Buffer | string, isBinary = false): FrameParse<AgentMessage> {
  return parseWith(data, isBinary, validateAgentMessage);
}

/** Serialises an outgoing message (plain JSON; JCS only matters inside signatures). */
export function encodeMessage(message: ServiceMessage | AgentMessage): string {
  return JSON.stringify(message);
}
