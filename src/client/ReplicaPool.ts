import { releaseProxy, transfer, wrap, type ProxyMarked, type Remote } from 'comlink';
import type { EngineChoice } from '../core/types.js';
import { fromWorker } from '../core/wireError.js';
import type { ReplicaSnapshot, SearchApi, WorkerApi } from '../core/protocol.js';
import { sleep } from '../util/sleep.js';
import { withTimeout } from '../util/withTimeout.js';
import { SearchChannel } from './SearchChannel.js';
import { spawnWorker } from './spawnWorker.js';

/** Failed reloads in a row after which `settled()` stops waiting. */
const GIVE_UP_AFTER = 5;

interface Replica {
  readonly worker: Worker;
  readonly api: Remote<WorkerApi<ProxyMarked>>;
  /** Its searches, as vicinity's own messages (see searchWire.ts). */
  readonly search: SearchChannel;
  /** The index version it holds, or -1 while it loads. */
  version: number;
  inFlight: number;
}

/**
 * Read-only copies of an index in extra workers. Writes go to the primary;
 * after them the replicas reload from the primary's bytes in the background,
 * and until they do, searches go to the primary alone: a replica never
 * answers from an older version than the page has written.
 */
export class ReplicaPool {
  #replicas: Replica[] = [];
  /** Queries answered by the replica at each position (a replacement keeps its position's count). */
  #served: number[] = [];
  #version = 0;
  #refreshing: Promise<void> | null = null;
  /** Reloads that failed in a row; each one doubles the wait before the next. */
  #failures = 0;
  #exportSnapshot: () => Promise<ReplicaSnapshot>;
  #closed = false;

  #timeoutMs: number;
  /** The primary's: replicas start the same worker file, with the same engine. */
  #engine: EngineChoice;

  constructor(
    count: number,
    exportSnapshot: () => Promise<ReplicaSnapshot>,
    timeoutMs: number,
    engine: EngineChoice,
  ) {
    this.#exportSnapshot = exportSnapshot;
    this.#timeoutMs = timeoutMs;
    this.#engine = engine;
    for (let i = 0; i < count; i++) this.#replicas.push(this.#spawn());
    this.#served = this.#replicas.map(() => 0);
    if (count > 0) this.#scheduleRefresh();
  }

  #spawn(): Replica {
    const worker = spawnWorker(this.#engine);
    // Before Comlink's: its calls go through the channel's endpoint.
    const search = new SearchChannel(worker, 'replica');
    const replica: Replica = {
      worker,
      api: wrap<WorkerApi<ProxyMarked>>(search.endpoint),
      search,
      version: -1,
      inFlight: 0,
    };
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.#replace(replica);
    });
    return replica;
  }

  /** A replica that crashed or hung is dropped for a fresh one, which reloads. */
  #replace(replica: Replica): void {
    const at = this.#replicas.indexOf(replica);
    if (at < 0 || this.#closed) return;
    replica.api[releaseProxy]();
    replica.search.end();
    replica.worker.terminate();
    this.#replicas[at] = this.#spawn();
    this.#scheduleRefresh();
  }

  get size(): number {
    return this.#replicas.length;
  }

  /** Replicas that hold the current version. */
  get current(): number {
    return this.#replicas.filter((r) => r.version === this.#version).length;
  }

  /** Queries each replica answered, by position. */
  get served(): readonly number[] {
    return this.#served;
  }

  /** Called after every write: replicas are stale until they reload. */
  changed(): void {
    if (this.#replicas.length === 0) return;
    this.#version++;
    this.#scheduleRefresh();
  }

  /**
   * Resolves once every replica holds the current version, or once reloading
   * has failed several times in a row (searches then stay on the primary).
   */
  async settled(): Promise<void> {
    while (this.#refreshing && this.#failures < GIVE_UP_AFTER) await this.#refreshing;
  }

  /** The least busy current replica, if it is less busy than the primary. */
  pick(primaryInFlight: number): Replica | undefined {
    let best: Replica | undefined;
    for (const r of this.#replicas) {
      if (r.version === this.#version && r.inFlight < (best?.inFlight ?? primaryInFlight)) best = r;
    }
    return best;
  }

  /** Current replicas, for splitting a batch. */
  currentReplicas(): Replica[] {
    return this.#replicas.filter((r) => r.version === this.#version);
  }

  /**
   * Runs a search of `queries` queries on a replica, with the same deadline
   * as calls to the primary; counted as served once it answers.
   */
  async run<T>(
    replica: Replica,
    queries: number,
    task: (target: SearchApi) => Promise<T>,
  ): Promise<T> {
    replica.inFlight++;
    try {
      const answer = await withTimeout(
        task(replica.search).catch((error: unknown) => {
          throw fromWorker(error, 'ENGINE_ERROR');
        }),
        this.#timeoutMs,
        () => `a replica got no answer within ${this.#timeoutMs} ms`,
        'TIMEOUT',
        () => this.#replace(replica),
      );
      const at = this.#replicas.indexOf(replica);
      if (at >= 0) this.#served[at] = (this.#served[at] ?? 0) + queries;
      return answer;
    } finally {
      replica.inFlight--;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#replicas.map(async (r) => {
        await r.api.replica.close().catch(() => undefined);
        r.api[releaseProxy]();
        r.search.end();
        r.worker.terminate();
      }),
    );
    this.#replicas = [];
  }

  #scheduleRefresh(): void {
    if (this.#refreshing) return;
    this.#refreshing = this.#refresh().finally(() => {
      this.#refreshing = null;
      // Writes that came in during the reload need another one.
      if (!this.#closed && this.current < this.#replicas.length) this.#scheduleRefresh();
    });
  }

  async #refresh(): Promise<void> {
    // Let a burst of writes finish before copying the index; after failures,
    // back off, since each try serialises the whole index on the primary.
    const wait = Math.min(20 * 2 ** this.#failures, 30_000);
    await sleep(wait);
    if (this.#closed) return;
    const version = this.#version;
    let snapshot: ReplicaSnapshot;
    try {
      snapshot = await this.#exportSnapshot();
    } catch {
      this.#failures++; // The primary failed or closed; searches stay on it.
      return;
    }
    const stale = this.#replicas.filter((r) => r.version !== version);
    let failed = false;
    await Promise.all(
      stale.map(async (replica, i) => {
        const last = i === stale.length - 1;
        const bytes = last ? snapshot.bytes : snapshot.bytes.slice();
        replica.version = -1;
        try {
          await replica.api.replica.load(transfer({ ...snapshot, bytes }, [bytes.buffer]));
          replica.version = version;
        } catch {
          replica.version = -1;
          failed = true;
        }
      }),
    );
    this.#failures = failed ? this.#failures + 1 : 0;
  }
}
