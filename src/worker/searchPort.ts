import type { BatchSearchApi } from '../core/protocol.js';
import {
  requestOf,
  toColumns,
  type HitColumns,
  type HitsMessage,
  type SearchCall,
  type SearchMessage,
  type SearchTarget,
} from '../core/searchWire.js';
import { toWireError } from '../core/wireError.js';

/** Where an answer goes besides a message: the shared lane (see laneServer.ts). */
export interface AnswerRoute {
  /** Takes the hits, or returns false to leave them to a message. */
  readonly hits: (columns: HitColumns, workerMs: number) => boolean;
  /** An answer goes as a message after all; told before it is posted. */
  readonly posted: () => void;
}

/** Answers a search message (see searchWire.ts) with the service it names. */
export function answerSearch(
  message: SearchMessage,
  service: (to: SearchTarget) => BatchSearchApi,
  post: (answer: HitsMessage, transfer: Transferable[]) => void,
): void {
  answerCall({ ...message, request: requestOf(message) }, service, post);
}

/**
 * Answers a search with the service it names. The service is called at
 * once, in the caller's task, so that the search takes its place in the
 * service's queue in the order the page sent it, between the Comlink calls
 * before and after it. The hits go to `route` first, if there is one; an
 * error, or hits it leaves, go as a message.
 */
export function answerCall(
  { call, to, queries, count, request }: SearchCall,
  service: (to: SearchTarget) => BatchSearchApi,
  post: (answer: HitsMessage, transfer: Transferable[]) => void,
  route?: AnswerRoute,
): void {
  let answer;
  try {
    answer = service(to).searchBatch(queries, count, request);
  } catch (error) {
    answer = Promise.reject(error);
  }
  // The route is told before the message goes: a page that reads the answer
  // then finds the lane free for its next search.
  answer.then(
    ({ value, workerMs }) => {
      const { columns, transfer } = toColumns(value);
      if (route?.hits(columns, workerMs)) return;
      route?.posted();
      post({ vicinity: 'hits', call, workerMs, ...columns }, transfer);
    },
    (error: unknown) => {
      route?.posted();
      post({ vicinity: 'hits', call, error: toWireError(error) }, []);
    },
  );
}
