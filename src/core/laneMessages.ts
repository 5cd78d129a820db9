/**
 * Opening the shared lane (see sharedLane.ts). On a page that can share
 * memory, the page's channel to a worker loads its half of the lane and
 * sends the worker the buffer; the worker loads its half and says whether
 * it is ready. Until then, and for good if it is not, searches go as
 * messages. The lane's code is loaded only on pages that use it.
 */

/** The page's message that opens the lane. From it on, the page counts its messages. */
export interface LaneMessage {
  readonly vicinity: 'lane';
  readonly buffer: SharedArrayBuffer;
}

/** The worker's answer to it. */
export interface LaneReady {
  readonly vicinity: 'lane-ready';
  readonly ok: boolean;
}

export function isLaneMessage(data: unknown): data is LaneMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { vicinity?: unknown }).vicinity === 'lane' &&
    (data as { buffer?: unknown }).buffer instanceof SharedArrayBuffer
  );
}

export function isLaneReady(data: unknown): data is LaneReady {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { vicinity?: unknown }).vicinity === 'lane-ready'
  );
}

/** Whether this page can use the lane: shared memory, and `Atomics.waitAsync` to wait without blocking. */
export function laneAvailable(): boolean {
  return (
    globalThis.crossOriginIsolated === true &&
    typeof SharedArrayBuffer === 'function' &&
    typeof (Atomics as { waitAsync?: unknown }).waitAsync === 'function'
  );
}
