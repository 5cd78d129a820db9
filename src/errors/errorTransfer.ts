import { transferHandlers, type TransferHandler } from 'comlink';
import { VicinityError, isVicinityErrorCode, toVicinityError } from './VicinityError.js';

interface WireError {
  readonly code: string;
  readonly message: string;
  readonly stack?: string;
}

let installed = false;

/**
 * Comlink's built-in "throw" handler keeps only name, message and stack, so a
 * VicinityError's `code` would be lost between worker and page. This keeps
 * Comlink's own detection of thrown values (its marker symbol is private) and
 * replaces how they are written and read. Call on both sides of the boundary.
 */
export function installErrorTransfer(): void {
  if (installed) return;
  const builtin = transferHandlers.get('throw');
  if (!builtin) throw new Error('comlink has no "throw" transfer handler');
  installed = true;
  const handler: TransferHandler<{ value: unknown }, WireError> = {
    canHandle: (value): value is { value: unknown } => builtin.canHandle(value),
    serialize({ value }) {
      // Anything else thrown (a WebAssembly.Exception, a DOMException) may not
      // survive structured cloning: it crosses as ENGINE_ERROR with its text.
      const error = toVicinityError(value, 'ENGINE_ERROR');
      return [{ code: error.code, message: error.message, stack: error.stack }, []];
    },
    deserialize(wire) {
      const code = isVicinityErrorCode(wire.code) ? wire.code : 'ENGINE_ERROR';
      const error = new VicinityError(code, wire.message);
      if (wire.stack) error.stack = wire.stack;
      throw error;
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
