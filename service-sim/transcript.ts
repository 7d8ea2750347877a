/** One frame as it crossed the wire, in either direction. */
export interface TranscriptEntry {
  seq: number;
  /** Service clock time, RFC 3339. */
  at: string;
  direction: 'in' | 'out';
  connectionId: number;
  /** The authenticated agent of the connection, null before `hello` (or for registration). */
  agentId: string | null;
  /** The frame's text; a binary frame is kept as base64 with `binary` set. */
  text: string;
  binary: boolean;
}

/**
 * Everything sent and received, in order. Secrets only ever appear sealed in it, because the
 * service never puts a plain secret into a frame.
 */
export class Transcript {
  readonly #entries: TranscriptEntry[] = [];
  #seq = 0;
  enabled: boolean;

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  record(entry: Omit<TranscriptEntry, 'seq'>): TranscriptEntry {
    const full = { seq: ++this.#seq, ...entry };
    if (this.enabled) this.#entries.push(full);
    return full;
  }

  get entries(): readonly TranscriptEntry[] {
    return this.#entries;
  }

  /** The `type` of every text frame that parses as a message, optionally of one agent or direction. */
  types(filter: { agentId?: string; direction?: 'in' | 'out'; connectionId?: number } = {}): string[] {
    return this.messages(filter).map((message) => String(message['type']));
  }

  /** Parsed text frames (frames that are not JSON objects are left out). */
  messages(filter: { agentId?: string; direction?: 'in' | 'out'; connectionId?: number } = {}): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const entry of this.#entries) {
      if (entry.binary) continue;
      if (filter.agentId !== undefined && entry.agentId !== filter.agentId) continue;
      if (filter.direction !== undefined && entry.direction !== filter.direction) continue;
      if (filter.connectionId !== undefined && entry.connectionId !== filter.connectionId) continue;
      try {
        const value: unknown = JSON.parse(entry.text);
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) out.push(value as Record<string, unknown>);
      } catch {
        // not JSON: a deliberately bad frame, not a message
      }
    }
    return out;
  }

  /** The whole transcript as one string (e.g. to assert that no password appears in it). */
  toString(): string {
    return this.#entries.map((entry) => `${entry.direction} ${entry.connectionId} ${entry.text}`).join('\n');
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
