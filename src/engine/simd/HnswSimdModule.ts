/** The exports of native/vicinity_hnsw.cpp as compiled by scripts/build-wasm.sh. */
export interface HnswSimdModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  HEAPF32: Float32Array;
  /** Set before a filtered search; asked for each candidate label. */
  acceptLabel: (label: number) => boolean;
  UTF8ToString(ptr: number): string;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _vh_last_error(): number;
  _vh_create(
    metric: number,
    dim: number,
    M: number,
    efConstruction: number,
    capacity: number,
    seed: number,
    quantization: number,
  ): number;
  _vh_load(
    metric: number,
    dim: number,
    bytes: number,
    length: number,
    capacity: number,
    quantization: number,
  ): number;
  _vh_free(handle: number): void;
  _vh_count(handle: number): number;
  _vh_capacity(handle: number): number;
  _vh_resize(handle: number, capacity: number): number;
  _vh_add(handle: number, vector: number, label: number, reuseDeleted: number): number;
  _vh_mark_deleted(handle: number, label: number): number;
  _vh_set_ef(handle: number, ef: number): void;
  _vh_search_batch(
    handle: number,
    queries: number,
    count: number,
    k: number,
    filtered: number,
    labels: number,
    distances: number,
    counts: number,
  ): number;
  _vh_get_vector(handle: number, label: number, out: number): number;
  _vh_serialized_size(handle: number): number;
  _vh_serialize(handle: number, out: number, length: number): number;
  _vh_save_begin(handle: number): number;
  _vh_save_size(cursor: number): number;
  _vh_save_read(cursor: number, out: number, length: number): number;
  _vh_save_end(cursor: number): void;
  _vh_load_begin(
    metric: number,
    dim: number,
    total: number,
    capacity: number,
    quantization: number,
  ): number;
  _vh_load_feed(cursor: number, bytes: number, length: number): number;
  _vh_load_end(cursor: number): number;
  _vh_load_abort(cursor: number): void;
}
