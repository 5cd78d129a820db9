// Loaded by the Playwright tests: puts the library and the test oracles on
// window so that each test drives them with page.evaluate.
import * as vicinity from '../../src/index.js';
import { exactSearch, recallAt } from '../support/exact.js';
import { fetchWords } from '../support/words.js';
import { flipByte, tamperSnapshot, truncate } from '../support/tamper.js';

const longTasks: { start: number; duration: number }[] = [];
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // longtask is Chromium-only; the tests run there.
}

const harness = {
  vicinity,
  exactSearch,
  recallAt,
  fetchWords,
  longTasks,
  tamperSnapshot,
  flipByte,
  truncate,
};
declare global {
  interface Window {
    harness: typeof harness;
  }
}
window.harness = harness;
document.getElementById('status')!.textContent = 'ready';
