import { VicinityError, toVicinityError } from '../core/VicinityError.js';
import { assertFilter } from '../filter/compileFilter.js';
import type { Filter, Metric, SearchOptions, VectorLike } from '../core/types.js';
import { copyPlainData } from '../validation/plainData.js';
import { readSearchOptions } from '../validation/validateInput.js';
import { writeVector } from '../validation/vectors.js';
import { kindOf } from '../validation/describeValue.js';
import type { SearchRequest } from '../core/protocol.js';
import type { Embedder } from './resolveOptions.js';
import { withTimeout } from '../util/withTimeout.js';

/** The index's default `timeoutMs` (resolveOptions), until every caller passes its own. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Checks search input on the page and packs queries for the worker: vectors
 * into one Float32Array, texts through the `embed` option first.
 */
export class QueryPacker {
  readonly #dimensions: number;
  readonly #metric: Metric;
  readonly #embed: Embedder | undefined;
  readonly #timeoutMs: number;
  #scratch: Float32Array | undefined;

  /**
   * `timeoutMs` bounds each call of `embed`: the index's own deadline, as
   * for a call to the worker. @default 30_000
   */
  constructor(
    dimensions: number,
    metric: Metric,
    embed: Embedder | undefined,
    timeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {
    this.#dimensions = dimensions;
    this.#metric = metric;
    this.#embed = embed;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Checks search options (see readSearchOptions). The filter is compiled
   * here, before it tries to cross to the worker, and what is sent is a copy
   * of it: the caller's object is neither kept nor sent.
   */
  request(options: SearchOptions): SearchRequest {
    const read = readSearchOptions(options);
    let filter: Filter | undefined;
    if (read.filter !== undefined) {
      assertFilter(read.filter);
      filter = copyPlainData(read.filter, 'INVALID_FILTER', () => 'filter');
    }
    return { k: read.k ?? 10, filter, efSearch: read.efSearch };
  }

  /**
   * Checks one query vector into a buffer that the next call overwrites: for
   * a search that uses it before it awaits anything (a cache hit allocates
   * nothing). Whatever outlives that must be a copy.
   */
  scratch(query: VectorLike): Float32Array {
    this.#scratch ??= new Float32Array(this.#dimensions);
    writeVector(query, this.#dimensions, this.#metric, this.#scratch, 0, 'query');
    return this.#scratch;
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
    let embedded: unknown[] = [];
    if (texts.length > 0) {
      const result = await this.#embedTexts(texts);
      if (!Array.isArray(result) || result.length !== texts.length) {
        throw new VicinityError(
          'INVALID_VECTOR',
          `embed must return an array of ${texts.length} vectors for ${texts.length} texts, got ${
            Array.isArray(result)
              ? `${result.length} vectors`
              : result === undefined
                ? 'undefined'
                : kindOf(result)
          }`,
        );
      }
      embedded = result;
    }
    const dim = this.#dimensions;
    const out = new Float32Array(queries.length * dim);
    let t = 0;
    queries.forEach((q, i) => {
      const text = typeof q === 'string';
      const vector: unknown = text ? embedded[t++] : q;
      const where = text ? `queries[${i}]: the vector embed returned` : `queries[${i}]`;
      writeVector(vector, dim, this.#metric, out, i * dim, where);
    });
    return out;
  }

  /**
   * One call of `embed`, bounded by the index's deadline: a function that
   * never settles must not leave the search pending forever. What it
   * returns late is dropped.
   */
  async #embedTexts(texts: string[]): Promise<unknown> {
    const embed = this.#embed;
    if (!embed) {
      throw new VicinityError(
        'NO_EMBEDDER',
        'a text query needs the `embed` option of VectorIndex.open',
      );
    }
    const ms = this.#timeoutMs;
    const embedding = (async () => {
      try {
        // Awaited here, so that a thenable is followed and a synchronous throw caught.
        return (await embed([...texts])) as unknown;
      } catch (error) {
        throw toVicinityError(error, 'INVALID_VECTOR', 'embed failed');
      }
    })();
    return withTimeout(
      embedding,
      ms,
      () =>
        `the embed function did not settle within ${ms} ms (timeoutMs) for ${texts.length} texts`,
    );
  }
}
