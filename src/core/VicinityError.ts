/**
 * Stable error codes. Callers branch on `error.code`; the message is for humans
 * and may change between versions.
 */
export const ERROR_CODES = {
  INVALID_OPTIONS: 'An option has the wrong type or range.',
  INCOMPATIBLE_OPTIONS: 'The index exists with different dimensions, metric or M.',
  DIMENSION_MISMATCH: 'A vector has a different length than the index dimensions.',
  INVALID_VECTOR: 'A vector is not numeric or holds NaN or Infinity.',
  INVALID_ID: 'An id is empty or not a string.',
  DUPLICATE_ID: 'The same id appears twice in one batch.',
  INVALID_METADATA: 'Metadata is not a plain JSON object.',
  INVALID_K: 'k is not a positive integer.',
  INVALID_EF: 'efSearch is not a positive integer.',
  INVALID_FILTER: 'A filter is malformed or uses an unknown operator.',
  INVALID_TEXT: 'A text is not a string, or is over its length limit.',
  FUNCTION_FILTER: 'Filters must be plain data; functions cannot cross to the worker.',
  NO_EMBEDDER: 'A text query needs the `embed` option.',
  NOT_FOUND: 'The index does not exist.',
  INDEX_CORRUPTED: 'The stored snapshot failed its length or checksum test.',
  UNSUPPORTED_FORMAT: 'The stored snapshot has a format this version cannot read.',
  QUOTA_EXCEEDED: 'The browser storage quota is exhausted.',
  STORAGE_ERROR: 'IndexedDB failed.',
  STORAGE_BLOCKED: 'Another tab holds the database open and did not let go in time.',
  ENGINE_ERROR: 'The HNSW engine failed.',
  MEMORY_LIMIT: 'The write would grow the WASM heap past its limit; nothing was written.',
  CONFLICT: 'Another tab saved this index since this tab read it.',
  CSP_BLOCKED: "The page's Content Security Policy forbids what the engine needs.",
  UNSUPPORTED_ENGINE: 'The requested engine cannot run in this browser.',
  WORKER_CRASHED: 'The index worker stopped.',
  TIMEOUT: 'An operation did not finish in time.',
  CLOSED: 'The index was closed.',
} as const;

export type VicinityErrorCode = keyof typeof ERROR_CODES;

/** The one error type vicinity throws. `code` is stable; branch on it. */
export class VicinityError extends Error {
  override readonly name = 'VicinityError';
  readonly code: VicinityErrorCode;

  constructor(code: VicinityErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code], options);
    this.code = code;
  }
}

export function isVicinityErrorCode(value: unknown): value is VicinityErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Wraps anything thrown into a VicinityError, keeping one that already is. */
export function toVicinityError(
  error: unknown,
  fallback: VicinityErrorCode,
  context?: string,
): VicinityError {
  if (error instanceof VicinityError) return error;
  const detail = describeThrown(error);
  return new VicinityError(fallback, context ? `${context}: ${detail}` : detail, { cause: error });
}

/** Emscripten's WebAssembly.Exception carries `message` as [type, text]. */
function describeThrown(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const message = (error as { message: unknown }).message;
    if (Array.isArray(message)) return message.map(String).join(': ');
    return String(message);
  }
  return String(error);
}
