import { VicinityError } from '../core/VicinityError.js';
import { DEFAULT_WEIGHTS, RRF_K } from './fuse.js';
import { type Fusion } from '../core/protocol.js';
import { SEARCH_MODES, type SearchMode } from '../core/types.js';
import type { TextRequest } from '../core/protocol.js';

/** Candidates per side unless the caller asks otherwise: max(k, this). */
export const DEFAULT_CANDIDATES = 40;
const MAX_CANDIDATES = 10_000;

export const TEXT_SEARCH_KEYS = ['mode', 'fusion', 'candidates'] as const;

/**
 * Takes the text-search options out of search options: the mode, and for a
 * text or hybrid search what the worker needs; `rest` is what remains, for
 * the vector search's own checks.
 */
export function readSearchMode<T extends object>(
  options: T,
): { mode: SearchMode; rest: T; request?: (k: number) => TextRequest } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return { mode: 'vector', rest: options };
  }
  // The common case, on every vector search: no mode option at all, nothing to copy.
  if (!('mode' in options) && !('fusion' in options) && !('candidates' in options)) {
    return { mode: 'vector', rest: options };
  }
  const { mode = 'vector', fusion, candidates, ...rest } = options as Record<string, unknown>;
  if (!SEARCH_MODES.includes(mode as SearchMode)) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `mode must be one of ${SEARCH_MODES.join(', ')}, got ${describe(mode)}`,
    );
  }
  if (mode === 'vector') {
    if (fusion !== undefined || candidates !== undefined) {
      throw new VicinityError(
        'INVALID_OPTIONS',
        "fusion and candidates apply to mode 'text' or 'hybrid'",
      );
    }
    return { mode, rest: rest as T };
  }
  if (
    candidates !== undefined &&
    !(
      typeof candidates === 'number' &&
      Number.isInteger(candidates) &&
      candidates >= 1 &&
      candidates <= MAX_CANDIDATES
    )
  ) {
    throw new VicinityError(
      'INVALID_OPTIONS',
      `candidates must be an integer from 1 to ${MAX_CANDIDATES}`,
    );
  }
  const resolved = resolveFusion(fusion);
  return {
    mode: mode as 'text' | 'hybrid',
    rest: rest as T,
    request: (k: number) => ({
      mode: mode as 'text' | 'hybrid',
      fusion: resolved,
      candidates: Math.max(k, (candidates as number | undefined) ?? DEFAULT_CANDIDATES),
    }),
  };
}

export function resolveFusion(fusion: unknown): Fusion {
  if (fusion === undefined || fusion === 'rrf') return { method: 'rrf', k: RRF_K };
  if (fusion === 'weighted') return { method: 'weighted', ...DEFAULT_WEIGHTS };
  if (typeof fusion === 'object' && fusion !== null && !Array.isArray(fusion)) {
    const f = fusion as Record<string, unknown>;
    const keys = Object.keys(f);
    if (f.method === 'rrf' && keys.every((key) => key === 'method' || key === 'k')) {
      const k = f.k ?? RRF_K;
      if (typeof k === 'number' && Number.isFinite(k) && k >= 0 && k <= 1e6)
        return { method: 'rrf', k };
      throw new VicinityError('INVALID_OPTIONS', 'fusion.k must be a number from 0 to 1e6');
    }
    if (
      f.method === 'weighted' &&
      keys.every((key) => key === 'method' || key === 'vector' || key === 'text')
    ) {
      const weight = (w: unknown, fallback: number) => {
        const value = w ?? fallback;
        if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1e6)
          return value;
        throw new VicinityError('INVALID_OPTIONS', 'fusion weights must be finite numbers ≥ 0');
      };
      return {
        method: 'weighted',
        vector: weight(f.vector, DEFAULT_WEIGHTS.vector),
        text: weight(f.text, DEFAULT_WEIGHTS.text),
      };
    }
  }
  throw new VicinityError(
    'INVALID_OPTIONS',
    "fusion must be 'rrf', 'weighted', { method: 'rrf', k } or { method: 'weighted', vector, text }",
  );
}

/** The worker's check of what the page built. */
export function assertTextRequest(request: unknown): asserts request is TextRequest {
  const r = request as Partial<TextRequest> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    (r.mode !== 'text' && r.mode !== 'hybrid') ||
    !(
      typeof r.candidates === 'number' &&
      Number.isInteger(r.candidates) &&
      r.candidates >= 1 &&
      r.candidates <= MAX_CANDIDATES
    )
  ) {
    throw new VicinityError('INVALID_OPTIONS', 'malformed text search request');
  }
  resolveFusion(r.fusion);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
