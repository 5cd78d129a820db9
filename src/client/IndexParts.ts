import type { IndexStats, StorageState } from '../core/types.js';
import type { OpenResult, WorkerStats } from '../core/protocol.js';
import { IndexCache } from '../cache/IndexCache.js';
import type { PerformanceMonitor } from '../monitor/PerformanceMonitor.js';
import { pageTokenizer } from '../text/textOptions.js';
import { PER_VECTOR_SAVE_MS } from './allowances.js';
import { CallMeter } from './CallMeter.js';
import { IndexState } from './IndexState.js';
import type { PrimaryWorker } from './PrimaryWorker.js';
import { QueryPacker } from './QueryPacker.js';
import { ReplicaPool } from './ReplicaPool.js';
import type { ResolvedOptions } from './resolveOptions.js';
import { Saver } from './Saver.js';
import { Searcher } from './Searcher.js';
import { TabSync } from './TabSync.js';
import { Workers } from './Workers.js';
import { Writer } from './Writer.js';

/** The parts a VectorIndex is made of, wired together once, when it opens. */
export interface IndexParts {
  /** What the page knows of the index. */
  readonly state: IndexState;
  /** The primary worker and its replicas. */
  readonly workers: Workers;
  /** Times the page's calls into the monitor. */
  readonly meter: CallMeter;
  /** Checks and packs queries and options. */
  readonly queries: QueryPacker;
  readonly cache: IndexCache | null;
  readonly searcher: Searcher;
  readonly writer: Writer;
  readonly saver: Saver;
  readonly tabs: TabSync;
  /** The page's tokenizer function, when the index's text is tokenised on the page. */
  readonly tokenizer: () => ((text: string) => string[]) | undefined;
}

/** What the index object tells its parts. */
export interface IndexHooks {
  readonly closed: () => boolean;
  /** Another tab or index object saved `generation`. */
  readonly otherTabSaved: (generation: number) => void;
}

export function assembleIndex(
  options: ResolvedOptions,
  primary: PrimaryWorker,
  opened: OpenResult,
  monitor: PerformanceMonitor,
  hooks: IndexHooks,
): IndexParts {
  const tabs = new TabSync(options.name, hooks.otherTabSaved);
  const state = new IndexState(tabs.id, opened);
  const replicas = new ReplicaPool(
    options.workers - 1,
    () => primary.call((api) => api.exportSnapshot(), state.size * PER_VECTOR_SAVE_MS),
    options.timeoutMs,
    options.engine,
  );
  const workers = new Workers(primary, replicas);
  primary.ledger = state;
  primary.onFailed = () => state.failed();
  primary.onReopen = (reopened) => {
    state.reopened(reopened);
    replicas.changed();
  };
  const meter = new CallMeter(monitor);
  const { dimensions, metric } = opened.params;
  const queries = new QueryPacker(dimensions, metric, options.embed, options.timeoutMs);
  const tokenizer = () => pageTokenizer(options.name, options.text, state.text);
  const cache = options.cache
    ? new IndexCache(
        options.name,
        options.cache,
        {
          content: state,
          activity: meter,
          search: async (query) => {
            // Called once the cache has loaded, after `searcher` below exists.
            if (!hooks.closed()) await searcher.warm(query);
          },
          embed: options.embed,
        },
        options.logger,
      )
    : null;
  const searcher = new Searcher({ state, workers, queries, meter, cache, tokenizer });
  const saver = new Saver({ primary, state, meter, tabs }, options);
  const writer = new Writer({ state, workers, meter, saver, tokenizer });
  return { state, workers, meter, queries, cache, searcher, writer, saver, tabs, tokenizer };
}

/** stats(): what the worker says of the index, with what only the page knows. */
export function indexStats(
  name: string,
  worker: WorkerStats,
  parts: IndexParts,
  storage: StorageState,
): IndexStats {
  const { params, ...s } = worker;
  return {
    name,
    engine: s.engine,
    ...params,
    efSearch: s.efSearch,
    size: s.size,
    deleted: s.deleted,
    capacity: s.capacity,
    generation: s.generation,
    savedGeneration: s.savedGeneration,
    unsavedChanges: s.unsavedChanges,
    wasmMemoryBytes: s.wasmMemoryBytes,
    memory: s.memory,
    snapshotBytes: s.snapshotBytes,
    recoveredFrom: s.recoveredFrom,
    workers: parts.workers.counts(),
    storage,
    autosaveError: parts.state.autosaveError,
    stale: parts.state.stale,
    cache: parts.cache?.stats() ?? null,
  };
}
