/** A listener registration; `dispose()` removes it (vscode-jsonrpc style). */
export interface Disposable {
  dispose(): void;
}

type Listener<T> = (event: T) => void;

/**
 * A small typed event emitter. A listener that throws does not break the service: the error goes
 * to `onListenerError` (the service logs it).
 */
export class TypedEvents<E extends object> {
  readonly #listeners = new Map<keyof E, Set<Listener<never>>>();
  readonly #onListenerError: (name: string, error: unknown) => void;

  constructor(onListenerError: (name: string, error: unknown) => void = () => undefined) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof E & string>(name: K, listener: Listener<E[K]>): Disposable {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    const entry = listener as Listener<never>;
    set.add(entry);
    return { dispose: () => void set.delete(entry) };
  }

  once<K extends keyof E & string>(name: K, listener: Listener<E[K]>): Disposable {
    const disposable = this.on(name, (event) => {
      disposable.dispose();
      listener(event);
    });
    return disposable;
  }

  /** Resolves with the first event for which `predicate` holds; rejects after `timeoutMs`. */
  waitFor<K extends keyof E & string>(name: K, predicate: (event: E[K]) => boolean = () => true, timeoutMs = 5000): Promise<E[K]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        disposable.dispose();
        reject(new Error(`no ${name} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const disposable = this.on(name, (event) => {
        if (!predicate(event)) return;
        clearTimeout(timer);
        disposable.dispose();
        resolve(event);
      });
    });
  }

  emit<K extends keyof E & string>(name: K, event: E[K]): void {
    const set = this.#listeners.get(name);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<E[K]>)(event);
      } catch (error) {
        this.#onListenerError(name, error);
      }
    }
  }
}
