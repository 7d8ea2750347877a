import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { ServiceDatabase } from './database-schema.js';

type Db = Kysely<ServiceDatabase>;

/** Stands for a named parameter while the query is built; each run puts its own value in its place. */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * A hot query built and compiled by Kysely once per database, then run with new parameter values:
 * building the query objects and compiling them to SQL on every call cost several times SQLite's
 * own work on a simple read, on statements a node runs for every command. The SQL and the positions
 * of the values are Kysely's own; only the values change from run to run, and they are bound as
 * parameters as always. The build function gets `param(name)` for each value that varies; anything
 * else it passes stays a constant of the compiled query. A parameter must be a single value (never a
 * list whose length varies: that changes the SQL; see PreparedByLength).
 */
export class PreparedQuery<A extends Record<string, unknown>, R> {
  readonly #build: (db: Db, param: <K extends keyof A & string>(name: K) => A[K]) => Compilable<R>;
  readonly #compiled = new WeakMap<Db, CompiledQuery<R>>();

  constructor(build: (db: Db, param: <K extends keyof A & string>(name: K) => A[K]) => Compilable<R>) {
    this.#build = build;
  }

  /** Runs the query with `args` on `db`, or on `via`: a transaction of `db` (compiled once for `db`, whose dialect it shares). */
  execute(db: Db, args: A, via: Db = db): Promise<QueryResult<R>> {
    const compiled = this.compiled(db);
    const parameters = compiled.parameters.map((value) => {
      if (!(value instanceof Slot)) return value;
      if (!Object.hasOwn(args, value.name)) throw new TypeError(`prepared query: no value for parameter ${value.name}`);
      return args[value.name];
    });
    return via.executeQuery<R>({ ...compiled, parameters });
  }

  /** The query as compiled for `db`, with a slot where each parameter goes (compiled on first use). */
  compiled(db: Db): CompiledQuery<R> {
    let compiled = this.#compiled.get(db);
    if (compiled === undefined) {
      const names = new Set<string>();
      compiled = this.#build(db, <K extends keyof A & string>(name: K): A[K] => {
        names.add(name);
        return new Slot(name) as A[K];
      }).compile();
      // A slot that did not become a bound parameter would be run as text in the SQL: refuse it.
      const bound = new Set(compiled.parameters.filter((value): value is Slot => value instanceof Slot).map((slot) => slot.name));
      for (const name of names) if (!bound.has(name)) throw new TypeError(`prepared query: parameter ${name} is not bound as a value`);
      this.#compiled.set(db, compiled);
    }
    return compiled;
  }
}

/**
 * One query shape with a list of values whose length varies (`in (...)`, rows of an insert): one
 * PreparedQuery per length up to `maxLength`, the values named `${name}${i}` by `listArgs`; a longer
 * list is built and compiled for that run only.
 */
export class PreparedByLength<R> {
  readonly #build: (db: Db, param: <T>(name: string) => T, length: number) => Compilable<R>;
  readonly #maxLength: number;
  readonly #byLength = new Map<number, PreparedQuery<Record<string, unknown>, R>>();

  constructor(build: (db: Db, param: <T>(name: string) => T, length: number) => Compilable<R>, maxLength = 64) {
    this.#build = build;
    this.#maxLength = maxLength;
  }

  execute(db: Db, length: number, args: Record<string, unknown>, via: Db = db): Promise<QueryResult<R>> {
    if (length > this.#maxLength) return via.executeQuery(this.#build(via, <T>(name: string) => args[name] as T, length));
    let prepared = this.#byLength.get(length);
    if (prepared === undefined) {
      prepared = new PreparedQuery<Record<string, unknown>, R>((built, param) => this.#build(built, <T>(name: string) => param(name) as T, length));
      this.#byLength.set(length, prepared);
    }
    return prepared.execute(db, args, via);
  }
}

/** `{ [name + i]: values[i] }`: the arguments of a PreparedByLength for a list. */
export function listArgs(name: string, values: readonly unknown[], into: Record<string, unknown> = {}): Record<string, unknown> {
  values.forEach((value, i) => (into[`${name}${i}`] = value));
  return into;
}
