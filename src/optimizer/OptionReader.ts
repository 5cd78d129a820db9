import { VicinityError } from '../core/VicinityError.js';

/**
 * Reads an options object once, up front: an unknown key, a wrong type or a
 * value out of its range fails with INVALID_OPTIONS, naming the option.
 * Absent (undefined) options take their default. Shared by the load tester
 * and the optimizer, whose options come from page code and forms.
 */
export class OptionReader {
  readonly #values: Readonly<Record<string, unknown>>;
  readonly #where: string;

  private constructor(values: Readonly<Record<string, unknown>>, where: string) {
    this.#values = values;
    this.#where = where;
  }

  /**
   * A reader of `value`, which must be an object (or undefined: no options)
   * holding only `known` keys. `where` prefixes the names in messages
   * (`'variations.'`).
   */
  static of(value: unknown, where: string, known: readonly string[]): OptionReader {
    if (value === undefined) return new OptionReader({}, where);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      fail(`${where ? where.slice(0, -1) : 'options'} must be an object`);
    const values = value as Record<string, unknown>;
    for (const key of Object.keys(values)) {
      if (!known.includes(key))
        fail(`unknown option "${where}${key}" (known: ${known.map((k) => where + k).join(', ')})`);
    }
    return new OptionReader(values, where);
  }

  /** The value as given (undefined when absent), for checks of its own. */
  raw(key: string): unknown {
    return this.#values[key];
  }

  has(key: string): boolean {
    return this.#values[key] !== undefined;
  }

  /** A whole number in [min, max]. */
  integer(key: string, min: number, max: number, fallback: number): number;
  integer(key: string, min: number, max: number): number | undefined;
  integer(key: string, min: number, max: number, fallback?: number): number | undefined {
    const value = this.#values[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      this.fail(key, `must be a whole number from ${min} to ${max}`);
    return value;
  }

  /** A finite number in the range, each end included unless said otherwise. */
  number(key: string, range: Range, fallback: number): number;
  number(key: string, range: Range): number | undefined;
  number(key: string, range: Range, fallback?: number): number | undefined {
    const value = this.#values[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || !inRange(value, range))
      this.fail(key, `must be a number ${describeRange(range)}`);
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.#values[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') this.fail(key, 'must be true or false');
    return value;
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const value = this.#values[key];
    if (value === undefined) return fallback;
    if (!values.includes(value as T))
      this.fail(key, `must be one of ${values.map((v) => `'${v}'`).join(', ')}`);
    return value as T;
  }

  /** A function, or undefined. */
  callback<F extends (...args: never[]) => unknown>(key: string): F | undefined {
    const value = this.#values[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'function') this.fail(key, 'must be a function');
    return value as F;
  }

  /** An AbortSignal (by its shape, so that one from another frame passes), or undefined. */
  signal(key: string): AbortSignal | undefined {
    const value = this.#values[key] as Partial<AbortSignal> | undefined;
    if (value === undefined) return undefined;
    if (
      typeof value !== 'object' ||
      value === null ||
      typeof value.aborted !== 'boolean' ||
      typeof value.addEventListener !== 'function' ||
      typeof value.removeEventListener !== 'function'
    )
      this.fail(key, 'must be an AbortSignal');
    return value as AbortSignal;
  }

  /** Fails for `key` with `why`, showing the value given. */
  fail(key: string, why: string): never {
    return fail(`${this.#where}${key} ${why}, got ${show(this.#values[key])}`);
  }
}

export interface Range {
  readonly min: number;
  readonly max: number;
  /** The minimum itself is out. */
  readonly aboveMin?: boolean;
  /** The maximum itself is out. */
  readonly belowMax?: boolean;
}

function inRange(value: number, r: Range): boolean {
  return (
    (r.aboveMin ? value > r.min : value >= r.min) && (r.belowMax ? value < r.max : value <= r.max)
  );
}

function describeRange(r: Range): string {
  return `${r.aboveMin ? 'over' : 'from'} ${r.min} ${r.belowMax ? 'and under' : 'to'} ${r.max}`;
}

function fail(message: string): never {
  throw new VicinityError('INVALID_OPTIONS', message);
}

function show(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
