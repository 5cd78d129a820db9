import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  embedderFingerprint,
  PROBE_TEXTS,
  PROBE_TIMEOUT_MS,
} from '../../src/cache/embedderFingerprint.js';

/** An embedder of a hash of the characters, seeded: two seeds are two models. */
const model =
  (seed: number, dimensions = 4) =>
  (texts: string[]) =>
    texts.map((text) => {
      const v = new Float32Array(dimensions);
      for (let i = 0; i < text.length; i++)
        v[(i + seed) % dimensions]! += Math.sin(text.charCodeAt(i) * (seed + 1) + i);
      return v;
    });

afterEach(() => {
  vi.useRealTimers();
});

describe('embedderFingerprint', () => {
  it('names an embedder by its vectors: the same for the same vectors, another for others', async () => {
    const a = await embedderFingerprint(model(1));
    expect(a).toMatch(/^[0-9a-z]+\.[0-9a-z]+$/);
    expect(await embedderFingerprint(model(1))).toBe(a);
    // number[] or Float32Array, sync or async: what the index would search with is the same.
    expect(
      await embedderFingerprint(async (texts: string[]) => model(1)(texts).map((v) => [...v])),
    ).toBe(a);
    expect(await embedderFingerprint(model(2))).not.toBe(a);
    expect(await embedderFingerprint(model(1, 8))).not.toBe(a);
    // A change in any probe moves it.
    const changed = (texts: string[]) =>
      model(1)(texts).map((v, i) => (i === texts.length - 1 ? v.map((x) => x + 1e-3) : v));
    expect(await embedderFingerprint(changed)).not.toBe(a);
  });

  it('embeds the probe texts once, in one call', async () => {
    const embed = vi.fn(model(1));
    await embedderFingerprint(embed);
    expect(embed).toHaveBeenCalledTimes(1);
    expect(embed).toHaveBeenCalledWith([...PROBE_TEXTS]);
  });

  it('is null without an embedder, or when it fails or gives no usable vectors', async () => {
    const bad: ((texts: string[]) => unknown)[] = [
      () => {
        throw new Error('no model');
      },
      () => Promise.reject(new Error('offline')),
      () => 'vectors',
      () => [],
      (texts) => model(1)(texts).slice(1),
      (texts) => texts.map(() => new Float32Array(0)),
      (texts) => texts.map(() => [1, Number.NaN]),
      (texts) => texts.map(() => [1, 1e39]), // Infinity in float32
      (texts) => texts.map(() => ['1', '2']),
      (texts) => texts.map(() => null),
    ];
    expect(await embedderFingerprint(undefined)).toBeNull();
    for (const embed of bad) expect(await embedderFingerprint(embed)).toBeNull();
  });

  it('names an embedder that has nothing for some probes by the others (a word-vector model)', async () => {
    const some = (texts: string[]) => model(1)(texts).map((v, i) => (i === 0 ? v : null));
    const name = await embedderFingerprint(some);
    expect(name).toMatch(/^[0-9a-z]+\.[0-9a-z]+$/);
    expect(await embedderFingerprint(some)).toBe(name);
    expect(name).not.toBe(await embedderFingerprint(model(1)));
    const others = (texts: string[]) => model(1)(texts).map((v, i) => (i === 1 ? v : null));
    expect(await embedderFingerprint(others)).not.toBe(name);
  });

  it('names an embedder that throws on some probes by the ones it embeds, one call each', async () => {
    const picky = vi.fn((texts: string[]) => {
      if (texts.some((t) => /[^\x20-\x7e]/.test(t))) throw new Error('not in the vocabulary');
      return model(1)(texts);
    });
    const name = await embedderFingerprint(picky);
    expect(name).toMatch(/^[0-9a-z]+\.[0-9a-z]+$/);
    expect(picky).toHaveBeenCalledTimes(1 + PROBE_TEXTS.length);
    expect(await embedderFingerprint(picky)).toBe(name);
    expect(name).not.toBe(await embedderFingerprint(model(1)));
  });

  it('gives up on an embedder that does not answer in time', async () => {
    vi.useFakeTimers();
    const pending = embedderFingerprint(() => new Promise(() => undefined));
    await vi.advanceTimersByTimeAsync(PROBE_TIMEOUT_MS);
    expect(await pending).toBeNull();
    // An answer just in time counts.
    const late = embedderFingerprint(
      (texts) => new Promise((resolve) => setTimeout(() => resolve(model(1)(texts)), 1000)),
    );
    await vi.advanceTimersByTimeAsync(1000);
    expect(await late).toBe(await embedderFingerprint(model(1)));
  });
});
