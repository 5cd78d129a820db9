import { VicinityError } from '../core/VicinityError.js';

/**
 * Fails fast with QUOTA_EXCEEDED when the origin's quota cannot hold `bytes`
 * more. hnswlib-wasm's IDBFS sync never calls back once it hits the quota, so
 * finding out before the write keeps a save from waiting for a timeout.
 */
export async function assertRoomFor(bytes: number): Promise<void> {
  if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return;
  let estimate: StorageEstimate;
  try {
    estimate = await navigator.storage.estimate();
  } catch {
    return;
  }
  const { quota, usage } = estimate;
  if (quota === undefined || usage === undefined) return;
  if (quota - usage < bytes) {
    throw new VicinityError(
      'QUOTA_EXCEEDED',
      `saving needs about ${bytes} bytes; the origin has ${Math.max(0, quota - usage)} of ${quota} free`,
    );
  }
}
