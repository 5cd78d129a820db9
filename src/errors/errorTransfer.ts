import { transferHandlers, type TransferHandler } from 'comlink';
import { VicinityError, isVicinityErrorCode } from './VicinityError';

type WireError =
  | { readonly kind: 'vicinity'; readonly code: string; readonly message: string; readonly stack?: string }
  | { readonly kind: 'raw'; readonly value: unknown };

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
      if (value instanceof VicinityError) {
        return [{ kind: 'vicinity', code: value.code, message: value.message, stack: value.stack }, []];
      }
      if (value instanceof Error) {
        return [{ kind: 'vicinity', code: 'ENGINE_ERROR', message: value.message, stack: value.stack }, []];
      }
      return [{ kind: 'raw', value }, []];
    },
    deserialize(wire) {
      if (wire.kind === 'raw') throw wire.value;
      const code = isVicinityErrorCode(wire.code) ? wire.code : 'ENGINE_ERROR';
      const error = new VicinityError(code, wire.message);
      if (wire.stack) error.stack = wire.stack;
      throw error;
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
