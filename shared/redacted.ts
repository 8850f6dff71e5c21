const HIDDEN = "[REDACTED]";

/**
 * A value that must never be printed: it renders as `[REDACTED]` in logs, JSON, template strings
 * and `util.inspect`. Only `reveal()` gives it back, at the one place it is written to its store.
 */
export class Redacted<T = string> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  reveal(): T {
    return this.#value;
  }
  toString(): string {
    return HIDDEN;
  }
  toJSON(): string {
    return HIDDEN;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return HIDDEN;
  }
}
