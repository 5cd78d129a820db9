import {
  VicinityError,
  isVicinityErrorCode,
  toVicinityError,
  type VicinityErrorCode,
} from './VicinityError.js';

/**
 * A failure as it crosses from the worker to the page: plain data, thrown as
 * it is. Comlink's own handler for thrown values passes a non-Error value
 * through untouched, so the code survives the trip without changing
 * Comlink's handlers, which every other Comlink user of the page shares.
 */
export interface WireError {
  readonly vicinityError: {
    readonly code: string;
    readonly message: string;
    readonly stack?: string;
  };
}

/** What the worker throws in place of `error`. */
export function toWireError(error: unknown): WireError {
  // Anything else thrown (a WebAssembly.Exception, a DOMException) may not
  // survive structured cloning: it crosses as ENGINE_ERROR with its text.
  const { code, message, stack } = toVicinityError(error, 'ENGINE_ERROR');
  return { vicinityError: stack === undefined ? { code, message } : { code, message, stack } };
}

export function isWireError(value: unknown): value is WireError {
  if (typeof value !== 'object' || value === null || !('vicinityError' in value)) return false;
  const inner = (value as { vicinityError: unknown }).vicinityError;
  return (
    typeof inner === 'object' &&
    inner !== null &&
    typeof (inner as { code?: unknown }).code === 'string' &&
    typeof (inner as { message?: unknown }).message === 'string'
  );
}

/** The VicinityError a WireError stands for, with the worker's stack. */
export function fromWireError(wire: WireError): VicinityError {
  const { code, message, stack } = wire.vicinityError;
  const error = new VicinityError(isVicinityErrorCode(code) ? code : 'ENGINE_ERROR', message);
  if (stack) error.stack = stack;
  return error;
}

/**
 * The worker side of the boundary: an object with the same methods as
 * `service`, each of which throws a WireError where the original threw.
 * Expose this, not the service itself.
 */
export function throwingWireErrors<T extends object>(service: T): T {
  const guarded: Record<string, unknown> = {};
  // Its own methods, then those of its classes.
  for (
    let proto: object | null = service;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const method = (service as Record<string, unknown>)[key];
      if (key === 'constructor' || key in guarded || typeof method !== 'function') continue;
      guarded[key] = async (...args: unknown[]) => {
        try {
          return await (method as (...a: unknown[]) => unknown).apply(service, args);
        } catch (error) {
          throw toWireError(error);
        }
      };
    }
  }
  return guarded as T;
}

/** The page side: what a call to the worker rejected with, as a VicinityError. */
export function fromWorker(
  error: unknown,
  fallback: VicinityErrorCode,
  context?: string,
): VicinityError {
  return isWireError(error) ? fromWireError(error) : toVicinityError(error, fallback, context);
}
