import { VicinityError, toVicinityError } from '../errors/VicinityError.js';
import { compileFilter } from '../filter/compileFilter.js';
import type { Metric, SearchOptions, VectorLike } from '../types.js';
import { assertEf, assertK, writeVector } from '../validation/validateInput.js';
import type { SearchRequest } from '../worker/protocol.js';
import type { Embedder } from './resolveOptions.js';

/**
 * Checks search input on the page and packs queries for the worker: vectors
 * into one Float32Array, texts through the `embed` option first.
 */
export class QueryPacker {
  readonly #dimensions: number;
  readonly #metric: Metric;
  readonly #embed: Embedder | undefined;

  constructor(dimensions: number, metric: Metric, embed: Embedder | undefined) {
    this.#dimensions = dimensions;
    this.#metric = metric;
    this.#embed = embed;
  }

  /** Checks search options; the filter is compiled here, before it tries to cross to the worker. */
  request(options: SearchOptions): SearchRequest {
    if (typeof options !== 'object' || options === null) {
      throw new VicinityError('INVALID_K', 'search options must be an object');
    }
    const k = options.k ?? 10;
    assertK(k);
    if (options.efSearch !== undefined) assertEf(options.efSearch);
    if (options.filter !== undefined) compileFilter(options.filter);
    return { k, filter: options.filter, efSearch: options.efSearch };
  }

  /** Checks one query vector and copies it into a Float32Array. */
  one(query: VectorLike): Float32Array {
    const out = new Float32Array(this.#dimensions);
    writeVector(query, this.#dimensions, this.#metric, out, 0, 'query');
    return out;
  }

  /** Embeds the text queries in one call and packs every query into one buffer. */
  async many(queries: readonly (VectorLike | string)[]): Promise<Float32Array> {
    const texts = queries.filter((q): q is string => typeof q === 'string');
    let embedded: VectorLike[] = [];
    if (texts.length > 0) {
      const embed = this.#embed;
      if (!embed)
        throw new VicinityError(
          'NO_EMBEDDER',
          'a text query needs the `embed` option of VectorIndex.open',
        );
      try {
        embedded = await embed(texts);
      } catch (error) {
        throw toVicinityError(error, 'INVALID_VECTOR', 'embed failed');
      }
      if (!Array.isArray(embedded) || embedded.length !== texts.length) {
        throw new VicinityError(
          'INVALID_VECTOR',
          `embed returned ${String(embedded?.length)} vectors for ${texts.length} texts`,
        );
      }
    }
    const dim = this.#dimensions;
    const out = new Float32Array(queries.length * dim);
    let t = 0;
    queries.forEach((q, i) => {
      const vector = typeof q === 'string' ? embedded[t++] : q;
      writeVector(vector, dim, this.#metric, out, i * dim, `queries[${i}]`);
    });
    return out;
  }
}
