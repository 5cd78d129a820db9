import type { Page } from '@playwright/test';

export type Tab = Page;

export async function openIn(tab: Tab, name: string, dimensions?: number) {
  await tab.evaluate(
    async ({ name, dimensions }) => {
      const w = window as unknown as { index: import('../../src/index.js').VectorIndex };
      w.index = await window.harness.vicinity.VectorIndex.open(
        name,
        dimensions ? { dimensions, metric: 'l2' } : {},
      );
    },
    { name, dimensions },
  );
}

/** Runs an action on the tab's open index; failures come back as their code. */
export function act(tab: Tab, action: 'save' | 'ids' | 'stats' | 'reopen') {
  return tab.evaluate(async (action) => {
    const w = window as unknown as { index: import('../../src/index.js').VectorIndex };
    try {
      if (action === 'save') return (await w.index.save()).generation;
      if (action === 'ids')
        return (await w.index.search([0, 0], { k: 1000 })).map((h) => h.id).sort();
      if (action === 'reopen') {
        const name = w.index.name;
        await w.index.close();
        w.index = await window.harness.vicinity.VectorIndex.open(name);
        return w.index.size;
      }
      return await w.index.stats();
    } catch (error) {
      return `error ${(error as { code?: string }).code}`;
    }
  }, action);
}

/**
 * Upserts ids at points spread by a hash of the id: identical vectors would
 * leave HNSW graph nodes unreachable, and `ids` finds items by searching.
 */
export function upsert(tab: Tab, ids: string[]) {
  return tab.evaluate(async (ids) => {
    const w = window as unknown as { index: import('../../src/index.js').VectorIndex };
    const point = (id: string) => {
      let h = 2166136261;
      for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
      return [(h >>> 0) % 10_007, ((h >>> 0) >>> 14) % 10_009];
    };
    await w.index.upsert(ids.map((id) => ({ id, vector: point(id) })));
  }, ids);
}
