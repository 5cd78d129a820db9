/*
 * Allowances beyond the base deadline (VectorIndexOptions.timeoutMs) for
 * calls whose work grows with their input; each is far above what the slower
 * engine needed here (about 0.8 ms to insert a vector into 100k, 0.3 ms per
 * query at efSearch 512, 35 µs per vector to save).
 */
export const PER_VECTOR_MS = 20;
export const PER_QUERY_MS = 10;
export const PER_VECTOR_SAVE_MS = 1;
