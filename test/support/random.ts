/** A small seeded generator (mulberry32): the same seed replays the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The seed for a randomised test: from the environment variable when set, else fresh. */
export function seedFrom(variable: string | undefined): number {
  const given = Number(variable);
  return Number.isSafeInteger(given) && variable !== '' && variable !== undefined
    ? given
    : Math.floor(Math.random() * 2 ** 31);
}
