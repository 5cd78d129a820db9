export { VectorIndex } from './client/VectorIndex';
export { VicinityError, ERROR_CODES } from './errors/VicinityError';
export type { VicinityErrorCode } from './errors/VicinityError';
export type { VectorIndexOptions, Embedder } from './client/resolveOptions';
export type { LogLevel, LogSink } from './worker/protocol';
export type * from './types';
