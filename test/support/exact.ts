import type { Metric } from '../../src/core/types.js';

/** Brute-force k nearest neighbours: the oracle for recall and filter tests. */
export function exactSearch(
  metric: Metric,
  vectors: readonly Float32Array[],
  ids: readonly string[],
  query: Float32Array,
  k: number,
  accept: (i: number) => boolean = () => true,
): { id: string; distance: number }[] {
  const scored: { id: string; distance: number }[] = [];
  const qn = Math.hypot(...query);
  vectors.forEach((v, i) => {
    if (!accept(i)) return;
    let dot = 0;
    let l2 = 0;
    let vv = 0;
    for (let d = 0; d < v.length; d++) {
      const x = v[d] as number;
      const q = query[d] as number;
      dot += x * q;
      vv += x * x;
      l2 += (x - q) * (x - q);
    }
    const distance =
      metric === 'l2' ? Math.sqrt(l2) : metric === 'ip' ? 1 - dot : 1 - dot / (Math.sqrt(vv) * qn);
    scored.push({ id: ids[i] as string, distance });
  });
  scored.sort((a, b) => a.distance - b.distance);
  return scored.slice(0, k);
}

export function recallAt(
  found: readonly { id: string }[],
  truth: readonly { id: string }[],
): number {
  const want = new Set(truth.map((t) => t.id));
  return truth.length === 0 ? 1 : found.filter((f) => want.has(f.id)).length / truth.length;
}
