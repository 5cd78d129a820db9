import type { LoggedQuery } from './QueryLog.js';

export interface WarmOptions {
  /** Only queries searched at least this often. @default 5 */
  readonly minFrequency?: number;
  /** At most this many of the most frequent. @default 50 */
  readonly topN?: number;
  /** Stops the warmer before its next query. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: WarmProgress) => void;
}

export interface WarmProgress {
  readonly total: number;
  readonly done: number;
  /** Queries run through the index and cached. */
  readonly warmed: number;
  /** Queries whose answer was cached already. */
  readonly skipped: number;
}

export interface WarmResult extends WarmProgress {
  /** `done`: all ran; `aborted`: the signal fired; `busy`: the page had work of its own. */
  readonly stopped: 'done' | 'aborted' | 'busy';
}

/** What the warmer needs from the index it warms. */
export interface WarmTarget {
  readonly candidates: (minFrequency: number, topN: number) => LoggedQuery[];
  readonly isCached: (query: LoggedQuery) => boolean;
  /** Runs the query and caches its answer (without counting it in the query log). */
  readonly search: (query: LoggedQuery) => Promise<unknown>;
  /** Whether the page has index calls of its own in flight. */
  readonly busy: () => boolean;
  /** Resolves in an idle period of the page. */
  readonly idle: () => Promise<void>;
}

export const WARM_DEFAULTS = { minFrequency: 5, topN: 50 } as const;

/**
 * Runs the most frequent logged queries through the index, one at a time
 * and only in idle periods, so that their answers are cached before they
 * are asked for. Stops on the signal, and as soon as the page's own index
 * calls are in flight (warm again later).
 */
export async function warmCache(
  target: WarmTarget,
  options: WarmOptions = {},
): Promise<WarmResult> {
  const queries = target.candidates(
    options.minFrequency ?? WARM_DEFAULTS.minFrequency,
    options.topN ?? WARM_DEFAULTS.topN,
  );
  const progress = { total: queries.length, done: 0, warmed: 0, skipped: 0 };
  for (const query of queries) {
    if (options.signal?.aborted) return { ...progress, stopped: 'aborted' };
    await target.idle();
    if (options.signal?.aborted) return { ...progress, stopped: 'aborted' };
    if (target.busy()) return { ...progress, stopped: 'busy' };
    if (target.isCached(query)) {
      progress.skipped++;
    } else {
      await target.search(query);
      progress.warmed++;
    }
    progress.done++;
    options.onProgress?.({ ...progress });
  }
  return { ...progress, stopped: 'done' };
}
