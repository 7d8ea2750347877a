/**
 * The texts the redactor must find inside any string, indexed by their first UTF-16 code unit so
 * that one pass over a string finds them all: most positions are rejected by one table lookup,
 * whatever the number of texts (a loaded agent tracks one password per command in flight, and
 * `includes` per tracked text per string grew with that). Counted, so two commands holding the
 * same password can overlap.
 */
export class TrackedTexts {
  readonly #counts = new Map<string, number>();
  /** First code unit → texts starting with it, longest first. */
  readonly #byFirst = new Map<number, string[]>();
  /** Texts per ASCII first code unit, so the common case skips the Map. */
  readonly #asciiFirst = new Uint16Array(128);
  #shortest = 0;

  get size(): number {
    return this.#counts.size;
  }

  add(text: string): void {
    if (text === '') return;
    const count = this.#counts.get(text) ?? 0;
    this.#counts.set(text, count + 1);
    if (count > 0) return;
    const first = text.charCodeAt(0);
    const bucket = this.#byFirst.get(first);
    if (bucket === undefined) this.#byFirst.set(first, [text]);
    else bucket.splice(longestFirstIndex(bucket, text.length), 0, text);
    if (first < 128) this.#asciiFirst[first]!++;
    if (this.#shortest === 0 || text.length < this.#shortest) this.#shortest = text.length;
  }

  remove(text: string): void {
    const count = this.#counts.get(text);
    if (count === undefined) return;
    if (count > 1) {
      this.#counts.set(text, count - 1);
      return;
    }
    this.#counts.delete(text);
    const first = text.charCodeAt(0);
    const bucket = this.#byFirst.get(first)!;
    bucket.splice(bucket.indexOf(text), 1);
    if (bucket.length === 0) this.#byFirst.delete(first);
    if (first < 128) this.#asciiFirst[first]!--;
    if (text.length === this.#shortest) {
      this.#shortest = 0;
      for (const other of this.#counts.keys()) if (this.#shortest === 0 || other.length < this.#shortest) this.#shortest = other.length;
    }
  }

  /**
   * `text` with every stretch covered by tracked texts replaced by `mask`. Where tracked texts
   * overlap or one holds another, their union becomes one mask, so no part of either is left;
   * texts that merely touch are masked one by one.
   */
  mask(text: string, mask: string): string {
    if (this.#counts.size === 0 || text.length < this.#shortest) return text;
    let out = '';
    let kept = 0;
    let start = -1;
    let end = -1;
    const last = text.length - this.#shortest;
    for (let i = 0; i <= last; i++) {
      const code = text.charCodeAt(i);
      if (code < 128 ? this.#asciiFirst[code] === 0 : !this.#byFirst.has(code)) continue;
      for (const candidate of this.#byFirst.get(code)!) {
        if (!text.startsWith(candidate, i)) continue;
        // The longest match here covers the shorter ones that start here too.
        const matchEnd = i + candidate.length;
        if (start >= 0 && i < end) {
          if (matchEnd > end) end = matchEnd;
        } else {
          if (start >= 0) {
            out += `${text.slice(kept, start)}${mask}`;
            kept = end;
          }
          start = i;
          end = matchEnd;
        }
        break;
      }
    }
    if (start < 0) return text;
    return `${out}${text.slice(kept, start)}${mask}${text.slice(end)}`;
  }
}

function longestFirstIndex(bucket: string[], length: number): number {
  let index = 0;
  while (index < bucket.length && bucket[index]!.length >= length) index++;
  return index;
}
