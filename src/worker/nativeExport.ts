import { transfer } from 'comlink';
import { VicinityError } from '../core/VicinityError.js';
import type { NativeExport } from '../core/protocol.js';
import type { Metadata } from '../core/types.js';
import { decodeSnapshot } from '../engine/SnapshotCodec.js';
import type { VectorCollection } from '../engine/VectorCollection.js';
import { convertLayout } from '../native/LayoutConverter.js';

/**
 * The index, saved or not, in native hnswlib's layout: each element
 * labelled by its position, with the id (null: marked deleted) and
 * metadata of each label. The file's bytes are transferred.
 */
export async function nativeExport(collection: VectorCollection): Promise<NativeExport> {
  const { bytes, engineByteLength } = await collection.snapshot();
  const { engineBytes, sidecar } = decodeSnapshot(bytes, engineByteLength);
  const { quantization, metric, dimensions } = collection.params;
  // An int8 index writes its dequantised vectors: native hnswlib reads float32 only.
  const converted = convertLayout(engineBytes, {
    from: 'wasm32',
    to: 'native64',
    labels: 'position',
    vectors: { from: quantization, to: 'none', normalise: metric === 'cosine' },
  });
  const idOf = new Map<number, string>();
  sidecar.ids.forEach((id, i) => idOf.set(sidecar.labels[i] as number, id));
  const metadataOf = new Map(sidecar.metadata);
  const ids: (string | null)[] = [];
  const metadata: (Metadata | null)[] = [];
  converted.labels.forEach((label, position) => {
    const id = converted.deleted[position] ? undefined : idOf.get(label);
    if (id === undefined && !converted.deleted[position]) {
      throw new VicinityError('ENGINE_ERROR', `the engine holds label ${label}, which has no id`);
    }
    ids.push(id ?? null);
    metadata.push(id === undefined ? null : (metadataOf.get(label) ?? null));
  });
  if (ids.length - converted.deleted.reduce((n, d) => n + d, 0) !== sidecar.ids.length) {
    throw new VicinityError('ENGINE_ERROR', 'the engine does not hold every id of the index');
  }
  const result: NativeExport = { hnswlib: converted.bytes, ids, metadata, metric, dimensions };
  return transfer(result, [converted.bytes.buffer]);
}
