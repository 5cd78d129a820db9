import type { Fusion } from '../core/protocol.js';

/** RRF's constant, as Cormack et al. chose it. */
export const RRF_K = 60;

/** Equal weights for the weighted sum unless the caller gives others. */
export const DEFAULT_WEIGHTS = { vector: 0.5, text: 0.5 } as const;

/** An entry of one side's list, best first. `score`: higher is better and, for `weighted`, ≥ 0. */
export interface Ranked {
  readonly id: string;
  readonly score: number;
}

export interface Fused {
  readonly id: string;
  readonly score: number;
  /** 1-based rank on each side, null where that side did not return it. */
  readonly vectorRank: number | null;
  readonly textRank: number | null;
}

/** The best `k` of the union of both lists under `fusion`, best first; ties by better rank, then id. */
export function fuse(
  vector: readonly Ranked[],
  text: readonly Ranked[],
  fusion: Fusion,
  k: number,
): Fused[] {
  const byId = new Map<
    string,
    { score: number; vectorRank: number | null; textRank: number | null }
  >();
  const add = (
    list: readonly Ranked[],
    side: 'vectorRank' | 'textRank',
    contribution: (r: Ranked, rank: number) => number,
  ) => {
    list.forEach((r, i) => {
      const rank = i + 1;
      let entry = byId.get(r.id);
      if (!entry) {
        entry = { score: 0, vectorRank: null, textRank: null };
        byId.set(r.id, entry);
      }
      // A list names an id once; a repeat is ignored rather than counted twice.
      if (entry[side] !== null) return;
      entry[side] = rank;
      entry.score += contribution(r, rank);
    });
  };
  if (fusion.method === 'rrf') {
    add(vector, 'vectorRank', (_, rank) => 1 / (fusion.k + rank));
    add(text, 'textRank', (_, rank) => 1 / (fusion.k + rank));
  } else {
    const vMax = maxScore(vector);
    const tMax = maxScore(text);
    add(vector, 'vectorRank', (r) =>
      vMax > 0 ? (Math.max(0, r.score) / vMax) * fusion.vector : 0,
    );
    add(text, 'textRank', (r) => (tMax > 0 ? (Math.max(0, r.score) / tMax) * fusion.text : 0));
  }
  const best = (e: { vectorRank: number | null; textRank: number | null }) =>
    Math.min(e.vectorRank ?? Infinity, e.textRank ?? Infinity);
  return [...byId.entries()]
    .map(([id, e]) => ({ id, ...e }))
    .sort(
      (a, b) => b.score - a.score || best(a) - best(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .slice(0, k);
}

function maxScore(list: readonly Ranked[]): number {
  let max = 0;
  for (const r of list) if (r.score > max) max = r.score;
  return max;
}
