import { loadEngine } from '../engine/chooseEngine.js';
import type { EngineFactories } from '../engine/Engine.js';
import { indexHeapBytes, usableHeapBytes } from '../core/memoryModel.js';
import { decodeSnapshot } from '../engine/SnapshotCodec.js';
import { VectorCollection } from '../engine/VectorCollection.js';
import { type SearchRequest } from '../core/protocol.js';
import { VicinityError } from '../core/VicinityError.js';
import { SerialQueue } from '../util/SerialQueue.js';
import { searchMany } from './searchCalls.js';
import type { RawHit, ReplicaApi, ReplicaSnapshot, Timed } from '../core/protocol.js';

/**
 * A read-only copy of an index, loaded from the primary worker's bytes, so
 * that searches can run on another core. The page sends it searches only
 * while its generation is the index's current one.
 */
export class ReplicaService implements ReplicaApi {
  #queue = new SerialQueue();
  #collection: VectorCollection | undefined;
  #engines: EngineFactories;

  /** `engines`: the engines this worker bundles; the primary's, as the page starts the same file. */
  constructor(engines: EngineFactories) {
    this.#engines = engines;
  }

  load(snapshot: ReplicaSnapshot): Promise<void> {
    return this.#queue.run(async () => {
      const previous = this.#collection;
      this.#collection = undefined;
      await previous?.engine.dispose();
      const { engineBytes, sidecar } = decodeSnapshot(snapshot.bytes, snapshot.engineByteLength);
      const context = {
        params: snapshot.params,
        capacity: Math.max(sidecar.nextLabel, sidecar.ids.length, 1),
        indexName: snapshot.name,
      };
      // A copy that would not fit is refused here: searches then stay on the primary.
      const heap = indexHeapBytes(snapshot.params, context.capacity, sidecar.ids.length);
      if (heap > usableHeapBytes(snapshot.kind)) {
        throw new VicinityError(
          'MEMORY_LIMIT',
          `a copy of the index needs about ${Math.ceil(heap / 2 ** 20)} MiB of WASM heap, over the engine's limit`,
        );
      }
      const engine = await loadEngine(this.#engines, snapshot.kind, context, engineBytes);
      this.#collection = new VectorCollection(engine, snapshot.params, snapshot.efSearch, sidecar);
    });
  }

  /** No call is running or waiting. */
  get idle(): boolean {
    return this.#queue.idle;
  }

  searchBatch(
    queries: Float32Array,
    count: number,
    request: SearchRequest,
  ): Promise<Timed<RawHit[][]>> {
    return this.#queue.run(() => searchMany(this.#loaded(), queries, count, request));
  }

  close(): Promise<void> {
    return this.#queue.run(async () => {
      await this.#collection?.engine.dispose();
      this.#collection = undefined;
    });
  }

  #loaded(): VectorCollection {
    if (!this.#collection) throw new VicinityError('CLOSED', 'the replica holds no index');
    return this.#collection;
  }
}
