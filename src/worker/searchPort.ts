import type { BatchSearchApi } from '../core/protocol.js';
import {
  requestOf,
  toColumns,
  type HitsMessage,
  type SearchMessage,
  type SearchTarget,
} from '../core/searchWire.js';
import { toWireError } from '../core/wireError.js';

/**
 * Answers a search message (see searchWire.ts) with the service it names.
 * The service is called at once, in the message's own task, so that the
 * search takes its place in the service's queue in the order the page sent
 * it, between the Comlink calls before and after it.
 */
export function answerSearch(
  message: SearchMessage,
  service: (to: SearchTarget) => BatchSearchApi,
  post: (answer: HitsMessage, transfer: Transferable[]) => void,
): void {
  const { call } = message;
  let answer;
  try {
    answer = service(message.to).searchBatch(message.queries, message.count, requestOf(message));
  } catch (error) {
    answer = Promise.reject(error);
  }
  answer.then(
    ({ value, workerMs }) => {
      const { columns, transfer } = toColumns(value);
      post({ vicinity: 'hits', call, workerMs, ...columns }, transfer);
    },
    (error: unknown) => post({ vicinity: 'hits', call, error: toWireError(error) }, []),
  );
}
