/** Where one acknowledged entry's line is in the journal file (bytes, without the newline). */
export interface AckedPlace {
  offset: number;
  length: number;
  acknowledgedAtMs: number;
}

const INITIAL_SLOTS = 1024;

/**
 * The acknowledged entries of a journal: id -> the byte range of its self-contained `entry` line,
 * and when it was acknowledged (whole seconds: compaction needs no finer). Acknowledged entries are
 * most of a journal (kept `retentionDays`) but are read back only for a rare duplicate command, so
 * they live here, in columns of typed arrays (16 bytes a slot), instead of as objects holding their
 * ~1.6 KB result frames. A deleted id leaves its slot unused until the index is rebuilt (compaction).
 */
export class AckedIndex {
  readonly #slots = new Map<string, number>();
  #offsets = new Float64Array(INITIAL_SLOTS);
  #lengths = new Uint32Array(INITIAL_SLOTS);
  #acknowledgedAtS = new Uint32Array(INITIAL_SLOTS);
  #used = 0;

  get size(): number {
    return this.#slots.size;
  }

  has(id: string): boolean {
    return this.#slots.has(id);
  }

  get(id: string): AckedPlace | undefined {
    const slot = this.#slots.get(id);
    return slot === undefined ? undefined : this.#place(slot);
  }

  set(id: string, place: AckedPlace): void {
    let slot = this.#slots.get(id);
    if (slot === undefined) {
      if (this.#used === this.#offsets.length) this.#grow();
      slot = this.#used++;
      this.#slots.set(id, slot);
    }
    this.#offsets[slot] = place.offset;
    this.#lengths[slot] = place.length;
    this.#acknowledgedAtS[slot] = Math.floor(place.acknowledgedAtMs / 1000);
  }

  delete(id: string): boolean {
    return this.#slots.delete(id);
  }

  /** Every id with its place, in insertion order. */
  *entries(): IterableIterator<[string, AckedPlace]> {
    for (const [id, slot] of this.#slots) yield [id, this.#place(slot)];
  }

  #place(slot: number): AckedPlace {
    return { offset: this.#offsets[slot] ?? 0, length: this.#lengths[slot] ?? 0, acknowledgedAtMs: (this.#acknowledgedAtS[slot] ?? 0) * 1000 };
  }

  #grow(): void {
    const size = this.#offsets.length * 2;
    const offsets = new Float64Array(size);
    offsets.set(this.#offsets);
    const lengths = new Uint32Array(size);
    lengths.set(this.#lengths);
    const acknowledgedAtS = new Uint32Array(size);
    acknowledgedAtS.set(this.#acknowledgedAtS);
    this.#offsets = offsets;
    this.#lengths = lengths;
    this.#acknowledgedAtS = acknowledgedAtS;
  }
}
