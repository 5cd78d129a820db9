import type { WorkerStats } from '../core/protocol.js';
import type { VectorCollection } from '../engine/VectorCollection.js';
import type { Generations } from './Generations.js';

/** What the worker says of its index: stats() before the page adds its own part. */
export function workerStats(collection: VectorCollection, generations: Generations): WorkerStats {
  return {
    engine: collection.engine.kind,
    params: collection.params,
    efSearch: collection.efSearch,
    size: collection.size,
    deleted: collection.deleted,
    capacity: collection.engine.capacity(),
    generation: generations.current,
    savedGeneration: generations.saved,
    unsavedChanges: generations.unsaved,
    wasmMemoryBytes: collection.engine.memoryBytes(),
    memory: {
      wasmHeapBytes: collection.engine.memoryBytes(),
      modelledBytes: Math.round(collection.modelledHeapBytes()),
      limitBytes: collection.memoryLimit,
      jsHeapBytes: jsHeapBytes(),
    },
    snapshotBytes: generations.snapshotBytes,
    recoveredFrom: generations.recoveredFrom,
  };
}

/** The worker's JS heap in use, where the browser says (Chromium's performance.memory); null elsewhere. */
function jsHeapBytes(): number | null {
  const memory = (performance as Performance & { memory?: { usedJSHeapSize?: unknown } }).memory;
  return typeof memory?.usedJSHeapSize === 'number' ? memory.usedJSHeapSize : null;
}
