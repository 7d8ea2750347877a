/** Where one acknowledged entry's line is in the journal file (bytes, without the newline). */
export interface AckedPlace {
  offset: number;
  length: number;
  acknowledgedAtMs: number;
  /** The command's own expiresAt: its id is kept at least until then plus the allowed skew. */
  expiresAtMs: number;
}

const INITIAL_SLOTS = 1024;
const EMPTY = -1;
const DELETED = -2;
/** How a slot is used. */
const FREE = 0;
const PACKED = 1;
const NAMED = 2;

/** Command ids as the service makes them: lower-case canonical UUIDs, kept as 16 bytes. */
const PACKABLE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The acknowledged entries of a journal: id -> the byte range of its self-contained `entry` line,
 * and when it was acknowledged (whole seconds: compaction needs no finer). Acknowledged entries are
 * most of a journal (kept `retentionDays`) but are read back only for a rare duplicate command, so
 * they live here, in columns of typed arrays, instead of as objects holding their result frames.
 * A lower-case UUID id (what the service sends) is kept as four 32-bit words in an open-addressing
 * table, about half the memory of the id as a string key of a Map, which matters because the index
 * grows with every command kept for `retentionDays`. Any
 * other id keeps its string in a Map, so ids still match exactly as written. Slots are handed out in
 * insertion order, which `entries` keeps; a deleted id leaves its slot unused until the index is
 * rebuilt (compaction).
 */
export class AckedIndex {
  #ids = new Uint32Array(INITIAL_SLOTS * 4);
  #offsets = new Float64Array(INITIAL_SLOTS);
  #lengths = new Uint32Array(INITIAL_SLOTS);
  #acknowledgedAtS = new Uint32Array(INITIAL_SLOTS);
  #expiresAtS = new Uint32Array(INITIAL_SLOTS);
  #kinds = new Uint8Array(INITIAL_SLOTS);
  /** Slot numbers by hash of the packed id; EMPTY or DELETED where none. */
  #table = new Int32Array(INITIAL_SLOTS * 2).fill(EMPTY);
  /** Table cells not EMPTY (live or DELETED): what decides when it is rebuilt. */
  #tableFilled = 0;
  readonly #named = new Map<string, number>();
  readonly #nameOfSlot = new Map<number, string>();
  #used = 0;
  #size = 0;
  readonly #words = new Uint32Array(4);

  get size(): number {
    return this.#size;
  }

  has(id: string): boolean {
    return this.#slotOf(id) !== undefined;
  }

  get(id: string): AckedPlace | undefined {
    const slot = this.#slotOf(id);
    return slot === undefined ? undefined : this.#place(slot);
  }

  set(id: string, place: AckedPlace): void {
    const packable = PACKABLE.test(id);
    let slot = this.#slotOf(id, packable);
    if (slot === undefined) {
      if (this.#used === this.#kinds.length) this.#growSlots();
      slot = this.#used++;
      this.#size++;
      if (packable) {
        // #slotOf left the id packed in #words.
        this.#ids.set(this.#words, slot * 4);
        this.#insert(slot);
        this.#kinds[slot] = PACKED;
      } else {
        this.#kinds[slot] = NAMED;
        this.#named.set(id, slot);
        this.#nameOfSlot.set(slot, id);
      }
    }
    this.#offsets[slot] = place.offset;
    this.#lengths[slot] = place.length;
    this.#acknowledgedAtS[slot] = Math.floor(place.acknowledgedAtMs / 1000);
    // Rounded up: the id is never thought expired before the command is.
    this.#expiresAtS[slot] = Math.min(Math.ceil(place.expiresAtMs / 1000), 0xffffffff);
  }

  delete(id: string): boolean {
    if (!PACKABLE.test(id)) {
      const slot = this.#named.get(id);
      if (slot === undefined) return false;
      this.#named.delete(id);
      this.#nameOfSlot.delete(slot);
      this.#kinds[slot] = FREE;
      this.#size--;
      return true;
    }
    const cell = this.#cellOf(id);
    if (cell === undefined) return false;
    this.#kinds[this.#table[cell]!] = FREE;
    this.#table[cell] = DELETED;
    this.#size--;
    return true;
  }

  /** Every id with its place, in insertion order. */
  *entries(): IterableIterator<[string, AckedPlace]> {
    for (let slot = 0; slot < this.#used; slot++) {
      const kind = this.#kinds[slot];
      if (kind === PACKED) yield [this.#unpack(slot), this.#place(slot)];
      else if (kind === NAMED) yield [this.#nameOfSlot.get(slot)!, this.#place(slot)];
    }
  }

  #slotOf(id: string, packable = PACKABLE.test(id)): number | undefined {
    if (!packable) return this.#named.get(id);
    const cell = this.#cellOf(id);
    return cell === undefined ? undefined : this.#table[cell];
  }

  /** The table cell holding `id` (a packable id), or undefined. */
  #cellOf(id: string): number | undefined {
    this.#pack(id);
    const words = this.#words;
    const mask = this.#table.length - 1;
    for (let cell = hash(words) & mask; ; cell = (cell + 1) & mask) {
      const slot = this.#table[cell]!;
      if (slot === EMPTY) return undefined;
      if (slot === DELETED) continue;
      const at = slot * 4;
      if (this.#ids[at] === words[0] && this.#ids[at + 1] === words[1] && this.#ids[at + 2] === words[2] && this.#ids[at + 3] === words[3]) return cell;
    }
  }

  /** Puts a new packed slot into the table (its id not there yet, its kind still FREE). */
  #insert(slot: number): void {
    if ((this.#tableFilled + 1) * 2 > this.#table.length) this.#rebuildTable(this.#table.length * 2);
    this.#putInTable(slot);
  }

  #putInTable(slot: number): void {
    const mask = this.#table.length - 1;
    const at = slot * 4;
    let cell = hash(this.#ids.subarray(at, at + 4)) & mask;
    while (this.#table[cell] !== EMPTY) cell = (cell + 1) & mask;
    this.#table[cell] = slot;
    this.#tableFilled++;
  }

  /** A fresh table of `size` cells (a power of two) with the live packed slots, and no DELETED cells. */
  #rebuildTable(size: number): void {
    let cells = size;
    while (this.#size * 2 >= cells) cells *= 2;
    this.#table = new Int32Array(cells).fill(EMPTY);
    this.#tableFilled = 0;
    for (let slot = 0; slot < this.#used; slot++) if (this.#kinds[slot] === PACKED) this.#putInTable(slot);
  }

  /** The id's 32 hex digits as four words, into #words. */
  #pack(id: string): void {
    const words = this.#words;
    words[0] = Number.parseInt(id.slice(0, 8), 16);
    words[1] = Number.parseInt(id.slice(9, 13) + id.slice(14, 18), 16);
    words[2] = Number.parseInt(id.slice(19, 23) + id.slice(24, 28), 16);
    words[3] = Number.parseInt(id.slice(28, 36), 16);
  }

  #unpack(slot: number): string {
    const at = slot * 4;
    const hex = [0, 1, 2, 3].map((i) => this.#ids[at + i]!.toString(16).padStart(8, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  #place(slot: number): AckedPlace {
    return { offset: this.#offsets[slot] ?? 0, length: this.#lengths[slot] ?? 0, acknowledgedAtMs: (this.#acknowledgedAtS[slot] ?? 0) * 1000, expiresAtMs: (this.#expiresAtS[slot] ?? 0) * 1000 };
  }

  #growSlots(): void {
    const size = this.#kinds.length * 2;
    const grown = <T extends Uint32Array | Float64Array | Uint8Array>(old: T, make: (n: number) => T, per = 1): T => {
      const next = make(size * per);
      next.set(old);
      return next;
    };
    this.#ids = grown(this.#ids, (n) => new Uint32Array(n), 4);
    this.#offsets = grown(this.#offsets, (n) => new Float64Array(n));
    this.#lengths = grown(this.#lengths, (n) => new Uint32Array(n));
    this.#acknowledgedAtS = grown(this.#acknowledgedAtS, (n) => new Uint32Array(n));
    this.#expiresAtS = grown(this.#expiresAtS, (n) => new Uint32Array(n));
    this.#kinds = grown(this.#kinds, (n) => new Uint8Array(n));
  }
}

/** Mixes the four words (time-ordered UUIDs share their leading ones) into a table index. */
function hash(words: Uint32Array): number {
  let h = Math.imul(words[0]!, 0x9e3779b1) ^ Math.imul(words[1]!, 0x85ebca77) ^ Math.imul(words[2]!, 0xc2b2ae3d) ^ Math.imul(words[3]!, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
