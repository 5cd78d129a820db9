export { VectorIndex } from './client/VectorIndex.js';
export { VicinityError, ERROR_CODES } from './errors/VicinityError.js';
export type { VicinityErrorCode } from './errors/VicinityError.js';
export type { VectorIndexOptions, Embedder } from './client/resolveOptions.js';
export type { LogLevel, LogSink } from './worker/protocol.js';
export type * from './types.js';
