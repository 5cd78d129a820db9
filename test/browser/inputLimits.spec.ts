import { expect, test, uniqueName } from './fixtures';

/*
 * Input at and past the documented limits (README, "Input limits"): each bad
 * input gets its typed code, changes nothing (size, generation, a search's
 * answer), and the index answers afterwards. Every call is awaited with a
 * bounded wait that gives 'HANG' instead of hanging the test.
 */

/** What the README documents; `LIMITS` must say the same. */
const DOCUMENTED = {
  vector: {
    maxNorm: 2 ** 62,
    minCosineNorm: 2 ** -40,
  },
  metadata: { maxDepth: 32, maxJsonLength: 65_536 },
  filter: { maxDepth: 32, maxNodes: 20_000, maxArrayLength: 10_000, maxStringLength: 4_096 },
};

test('vectors that would overflow or underflow in float32 are refused, for every metric', async ({
  harness,
}) => {
  const name = uniqueName('limits-f32');
  const r = await harness.evaluate(async (name) => {
    const { VectorIndex, LIMITS } = window.harness.vicinity as typeof window.harness.vicinity & {
      LIMITS?: unknown;
    };
    const settle = window.harness.codeOf;
    const out: Record<string, unknown> = { limits: LIMITS ?? null };
    const bad: Record<string, Record<string, { upsert: number[]; query: number[] }>> = {
      cosine: {
        // Its float32 square underflows to 0: the SIMD engine stored it 1e7 long.
        underflow: { upsert: [1e-23, 0, 0, 0], query: [1e-23, 0, 0, 0] },
        // Its norm is subnormal in float32.
        subnormalNorm: { upsert: [1e-20, 0, 0, 0], query: [0, 1e-20, 0, 0] },
        tooShort: { upsert: [1e-13, 1e-13, 0, 0], query: [1e-13, 0, 0, 0] },
        overflow: { upsert: [3e38, 3e38, 0, 0], query: [3e38, 3e38, 0, 0] },
        // Near sqrt(FLT_MAX): each square is finite, their sum is not.
        sqrtMax: { upsert: [1.5e19, 1.5e19, 0, 0], query: [1.5e19, 0, 1.5e19, 0] },
        maxFloat: { upsert: [3.4028234e38, 0, 0, 0], query: [-3.4028234e38, 0, 0, 0] },
      },
      ip: {
        overflow: { upsert: [3e38, 0, 0, 0], query: [-3e38, 0, 0, 0] },
        sqrtMax: { upsert: [1e19, 1e19, 0, 0], query: [1e19, 1e19, 0, 0] },
      },
      l2: {
        overflow: { upsert: [3e38, 0, 0, 0], query: [-3e38, 0, 0, 0] },
        // A difference of two of these would overflow.
        longVector: { upsert: [5e18, 0, 0, 0], query: [-5e18, 0, 0, 0] },
      },
    };
    for (const metric of ['cosine', 'ip', 'l2'] as const) {
      const index = await VectorIndex.open(`${name}-${metric}`, {
        dimensions: 4,
        metric,
        timeoutMs: 5_000,
      });
      await index.upsert([
        { id: 'a', vector: [1, 0, 0, 0] },
        { id: 'b', vector: [0, 1, 0, 0] },
        { id: 'c', vector: [0.6, 0.8, 0, 0] },
        { id: 'd', vector: [0, 0, 0.28, 0.96] },
      ]);
      const state = async () => ({
        size: index.size,
        generation: (await index.stats()).generation,
        hits: JSON.stringify(await index.search([0.5, 0.5, 0.5, 0.5], { k: 4 })),
      });
      const before = await state();
      const codes: Record<string, string> = {};
      for (const [label, v] of Object.entries(bad[metric]!)) {
        codes[`upsert ${label}`] = await settle(() =>
          index.upsert([
            { id: 'ok', vector: [0.1, 0.2, 0.3, 0.4] },
            { id: 'bad', vector: v.upsert },
          ]),
        );
        codes[`upsert f32 ${label}`] = await settle(() =>
          index.upsert([{ id: 'bad', vector: new Float32Array(v.upsert) }]),
        );
        codes[`search ${label}`] = await settle(() => index.search(v.query, { k: 2 }));
        codes[`searchBatch ${label}`] = await settle(() =>
          index.searchBatch([[1, 0, 0, 0], v.query], { k: 2 }),
        );
      }
      const after = await state();
      // At the bounds, on the valid side: accepted, and every score finite.
      const edge =
        metric === 'cosine'
          ? [
              [1e-12, 0, 0, 0],
              [1e-12, 1e-12, 1e-12, 1e-12],
              [1e18, 2e18, 3e18, 1e18],
            ]
          : metric === 'ip'
            ? [
                [2e-19, 1, 0, 0],
                [2e18, 0, 0, 0],
                [0, 0, -3e18, 1e18],
              ]
            : [
                [1e-12, 1, 0, 0],
                [2e18, 0, 0, 0],
                [0, -2e18, 0, 0],
              ];
      const edgeCode = await settle(() =>
        index.upsert(edge.map((vector, i) => ({ id: `edge-${i}`, vector }))),
      );
      const scores: number[] = [];
      let state32 = 7;
      const random = () => {
        state32 = (Math.imul(state32, 1103515245) + 12345) >>> 0;
        return state32 / 2 ** 32 - 0.5;
      };
      const queries = [...edge, [1, 0, 0, 0], [0.6, 0.8, 0, 0]];
      for (let i = 0; i < 40; i++) queries.push([random(), random(), random(), random()]);
      const answers = await Promise.race([
        index.searchBatch(queries, { k: 7 }),
        new Promise<'HANG'>((resolve) => setTimeout(() => resolve('HANG'), 8_000)),
      ]);
      if (answers !== 'HANG')
        for (const hits of answers) for (const h of hits) scores.push(h.score, h.distance);
      out[metric] = {
        codes,
        unchanged: JSON.stringify(after) === JSON.stringify(before),
        before,
        after,
        edgeCode,
        answered: answers !== 'HANG' && answers.every((hits) => hits.length === 7),
        allFinite: scores.every((s) => Number.isFinite(s)),
        cosineInRange:
          metric !== 'cosine' ||
          scores.every((s, i) => (i % 2 === 0 ? Math.abs(s) <= 1 : s >= 0 && s <= 2)),
        maxScore: Math.max(...scores.filter((_, i) => i % 2 === 0)),
      };
      await index.close();
      await VectorIndex.delete(`${name}-${metric}`);
    }
    return out;
  }, name);
  for (const metric of ['cosine', 'ip', 'l2'] as const) {
    const m = r[metric] as {
      codes: Record<string, string>;
      unchanged: boolean;
      edgeCode: string;
      answered: boolean;
      allFinite: boolean;
      cosineInRange: boolean;
      maxScore: number;
    };
    expect(m.codes, metric).toEqual(
      Object.fromEntries(Object.keys(m.codes).map((call) => [call, 'INVALID_VECTOR'])),
    );
    expect(m.unchanged, `${metric}: nothing changed`).toBe(true);
    expect(m.edgeCode, `${metric}: vectors at the bounds are accepted`).toBe('resolved');
    expect(m.answered, `${metric}: the index still answers`).toBe(true);
    expect(m.allFinite, `${metric}: every score and distance is finite`).toBe(true);
    expect(m.cosineInRange, `${metric}: cosine scores in [-1, 1] (max ${m.maxScore})`).toBe(true);
  }
  expect(r.limits).toEqual(DOCUMENTED);
});

test('filters and metadata past their nesting and size limits are refused on the page', async ({
  harness,
}) => {
  test.setTimeout(180_000);
  const name = uniqueName('limits-nesting');
  const r = await harness.evaluate(
    async ({ name, documented }) => {
      const { VectorIndex } = window.harness.vicinity;
      const settle = window.harness.codeOf;
      const index = await VectorIndex.open(name, { dimensions: 3, timeoutMs: 5_000 });
      await index.upsert([
        { id: 'a', vector: [1, 0, 0], metadata: { g: 'x', n: 1 } },
        { id: 'b', vector: [0, 1, 0], metadata: { g: 'y', n: 2 } },
        { id: 'c', vector: [0, 0, 1], metadata: { g: 'x', n: 3 } },
      ]);
      const state = async () => ({
        size: index.size,
        generation: (await index.stats()).generation,
        hits: JSON.stringify(await index.search([1, 1, 1], { k: 3 })),
      });
      const before = await state();
      const { filter: fl, metadata: ml } = documented;
      /** `levels` times { $and: [ … ] } around `leaf`; each object and array is one level deep. */
      const andChain = (levels: number, leaf: Record<string, unknown> = { g: 'x' }) => {
        let f = leaf;
        for (let i = 0; i < levels; i++) f = { $and: [f] };
        return f;
      };
      // 2n + 1 levels deep, and 2n + 2 with an object of operators innermost.
      const overDepth = andChain(fl.maxDepth / 2);
      const atDepth = andChain(fl.maxDepth / 2 - 1, { g: { $eq: 'x' } });
      const nested = (depth: number) => {
        let m: Record<string, unknown> = { leaf: 1 };
        for (let i = 1; i < depth; i++) m = { m };
        return m;
      };
      const cyclicFilter: Record<string, unknown[]> = { $and: [] };
      cyclicFilter.$and!.push(cyclicFilter);
      const cyclicMetadata: Record<string, unknown> = { g: 'x' };
      cyclicMetadata.self = cyclicMetadata;
      const filters: Record<string, unknown> = {
        [`depth ${fl.maxDepth + 1}`]: overDepth,
        'depth 850': andChain(425),
        'depth 950': andChain(475),
        'depth 1000': andChain(500),
        'depth 2000': andChain(1000),
        'depth 20000': andChain(10_000),
        cyclic: cyclicFilter,
        [`$in of ${fl.maxArrayLength + 1}`]: {
          g: { $in: Array.from({ length: fl.maxArrayLength + 1 }, (_, i) => `v${i}`) },
        },
        [`string of ${fl.maxStringLength + 1}`]: { g: 'x'.repeat(fl.maxStringLength + 1) },
        [`field name of ${fl.maxStringLength + 1}`]: { ['f'.repeat(fl.maxStringLength + 1)]: 1 },
        // 10,000 children, each an object and a value: past the node limit, not the array one.
        [`more than ${fl.maxNodes} nodes`]: {
          $or: Array.from({ length: fl.maxArrayLength }, (_, i) => ({ n: i })),
        },
      };
      const codes: Record<string, string> = {};
      for (const [label, filter] of Object.entries(filters)) {
        codes[`search, filter ${label}`] = await settle(() =>
          index.search([1, 0, 0], { k: 2, filter: filter as never }),
        );
        codes[`searchBatch, filter ${label}`] = await settle(() =>
          index.searchBatch([[1, 0, 0]], { k: 2, filter: filter as never }),
        );
      }
      const metadata: Record<string, unknown> = {
        [`depth ${ml.maxDepth + 1}`]: nested(ml.maxDepth + 1),
        'depth 1000': nested(1000),
        'depth 20000': nested(20_000),
        cyclic: cyclicMetadata,
        [`JSON of ${ml.maxJsonLength + 1}`]: { text: 'x'.repeat(ml.maxJsonLength - 10) },
        'wide, JSON past the limit': Object.fromEntries(
          Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]),
        ),
        'escapes past the limit': { text: '"'.repeat(ml.maxJsonLength / 2) },
      };
      for (const [label, m] of Object.entries(metadata)) {
        codes[`upsert, metadata ${label}`] = await settle(() =>
          index.upsert([
            { id: 'new', vector: [1, 1, 0] },
            { id: 'a', vector: [1, 0, 0], metadata: m as never },
          ]),
        );
      }
      const after = await state();
      // At the limits: accepted and answered.
      const atLimit = {
        filter: await settle(async () => {
          const hits = await index.search([1, 0, 0], { k: 3, filter: atDepth as never });
          if (JSON.stringify(hits.map((h) => h.id)) !== '["a","c"]')
            throw new Error(JSON.stringify(hits));
        }),
        in: await settle(() =>
          index.search([1, 0, 0], {
            filter: { g: { $in: Array.from({ length: fl.maxArrayLength }, (_, i) => `v${i}`) } },
          }),
        ),
        metadata: await settle(() =>
          index.upsert([{ id: 'deep', vector: [1, 1, 1], metadata: nested(ml.maxDepth) as never }]),
        ),
        metadataSize: await settle(() =>
          // {"text":"…"} is 11 characters around the string.
          index.upsert([
            { id: 'big', vector: [1, 1, 1], metadata: { text: 'x'.repeat(ml.maxJsonLength - 11) } },
          ]),
        ),
      };
      const answers = await settle(() => index.search([1, 0, 0], { k: 5 }));
      await index.close();
      await VectorIndex.delete(name);
      return { codes, before, after, atLimit, answers };
    },
    { name, documented: DOCUMENTED },
  );
  expect(r.codes).toEqual(
    Object.fromEntries(
      Object.keys(r.codes).map((call) => [
        call,
        call.startsWith('upsert') ? 'INVALID_METADATA' : 'INVALID_FILTER',
      ]),
    ),
  );
  expect(r.after).toEqual(r.before);
  expect(r.atLimit).toEqual({
    filter: 'resolved',
    in: 'resolved',
    metadata: 'resolved',
    metadataSize: 'resolved',
  });
  expect(r.answers).toBe('resolved');
});

test('metadata and filters that are not plain JSON data are refused with their own code', async ({
  harness,
}) => {
  const name = uniqueName('limits-clone');
  const r = await harness.evaluate(async (name) => {
    const { VectorIndex } = window.harness.vicinity;
    const settle = window.harness.codeOf;
    const index = await VectorIndex.open(name, { dimensions: 3, timeoutMs: 5_000 });
    await index.upsert([
      { id: 'a', vector: [1, 0, 0], metadata: { g: 'x', tags: ['p', 'q'] } },
      { id: 'b', vector: [0, 1, 0], metadata: { g: 'y', tags: ['q'] } },
    ]);
    const state = async () => ({
      size: index.size,
      generation: (await index.stats()).generation,
      hits: JSON.stringify(await index.search([1, 1, 0], { k: 2 })),
    });
    const before = await state();
    const getter = () => Object.defineProperty({}, 'g', { get: () => 'x', enumerable: true });
    const revoked = Proxy.revocable({ g: 'x' }, {});
    revoked.revoke();
    class Point {
      x = 1;
    }
    const metadata: Record<string, () => unknown> = {
      proxy: () => new Proxy({ g: 'x' }, {}),
      'nested proxy': () => ({ g: 'x', inner: new Proxy({ n: 1 }, {}) }),
      'proxy of an array': () => ({ tags: new Proxy(['p'], {}) }),
      'revoked proxy': () => revoked.proxy,
      getter,
      'getter inside': () => ({ inner: getter() }),
      'array with a function': () => ({ tags: Object.assign(['p'], { f: () => 1 }) }),
      'array with an extra property': () => ({ tags: Object.assign(['p'], { extra: 1 }) }),
      'array with a Date property': () => ({ tags: Object.assign(['p'], { when: new Date(0) }) }),
      'array with a getter index': () => ({
        tags: Object.defineProperty(['p', 'q'], 1, { get: () => 'q', enumerable: true }),
      }),
      'symbol key': () => ({ g: 'x', [Symbol('s')]: 1 }),
      'array hole': () => ({ tags: Object.assign(new Array(3), { 0: 'p', 2: 'q' }) }),
      '-0': () => ({ n: -0 }),
      'nested -0': () => ({ v: [1, -0] }),
      Date: () => ({ when: new Date(0) }),
      Map: () => ({ m: new Map([['g', 'x']]) }),
      'class instance': () => ({ p: new Point() }),
      'class instance at the top': () => new Point(),
      'non-enumerable property': () =>
        Object.defineProperty({ g: 'x' }, 'hidden', { value: 1, enumerable: false }),
      undefined: () => ({ g: undefined }),
      BigInt: () => ({ n: BigInt(1) }),
      'typed array': () => ({ v: new Float32Array(2) }),
    };
    const filters: Record<string, () => unknown> = {
      proxy: () => new Proxy({ g: 'x' }, {}),
      'nested proxy': () => ({ $or: [new Proxy({ g: 'x' }, {})] }),
      'proxy $in': () => ({ g: { $in: new Proxy(['x'], {}) } }),
      'revoked proxy': () => revoked.proxy,
      getter,
      'getter operator': () => ({
        g: Object.defineProperty({}, '$eq', { get: () => 'x', enumerable: true }),
      }),
      '$in with an extra property': () => ({ g: { $in: Object.assign(['x'], { extra: 1 }) } }),
      '$or with an extra property': () => ({ $or: Object.assign([{ g: 'x' }], { extra: 1 }) }),
      'symbol key': () => ({ g: 'x', [Symbol('s')]: 1 }),
      '$in with a hole': () => ({ g: { $in: Object.assign(new Array(3), { 0: 'x', 2: 'y' }) } }),
      'class instance': () => new Point(),
    };
    const codes: Record<string, string> = {};
    for (const [label, make] of Object.entries(metadata)) {
      codes[`metadata ${label}`] = await settle(() =>
        index.upsert([
          { id: 'new', vector: [1, 1, 1] },
          { id: 'a', vector: [0, 0, 1], metadata: make() as never },
        ]),
      );
    }
    for (const [label, make] of Object.entries(filters)) {
      codes[`filter ${label}`] = await settle(() =>
        index.search([1, 0, 0], { k: 2, filter: make() as never }),
      );
      codes[`batch filter ${label}`] = await settle(() =>
        index.searchBatch([[1, 0, 0]], { k: 2, filter: make() as never }),
      );
    }
    const after = await state();
    // What a JSON save keeps unchanged is accepted, and a save and reopen give it back.
    const good = {
      g: 'x',
      nested: { list: [1, 'two', null, true, { deep: [0.5, -3] }] },
      empty: {},
      none: [],
      unicode: 'é\u{1F600}\ud800',
      zero: 0,
      __proto__: null,
    };
    const saved = await settle(async () => {
      await index.upsert([{ id: 'good', vector: [1, 1, 1], metadata: good as never }]);
      await index.save();
    });
    const stored = JSON.stringify((await index.search([1, 1, 1], { k: 1 }))[0]?.metadata);
    await index.close();
    const reopened = await VectorIndex.open(name);
    const reread = JSON.stringify((await reopened.search([1, 1, 1], { k: 1 }))[0]?.metadata);
    const answers = await settle(() => reopened.search([1, 0, 0], { filter: { g: 'x' } }));
    await reopened.close();
    await VectorIndex.delete(name);
    return { codes, before, after, saved, stored, reread, wanted: JSON.stringify(good), answers };
  }, name);
  expect(r.codes).toEqual(
    Object.fromEntries(
      Object.keys(r.codes).map((call) => [
        call,
        call.startsWith('metadata') ? 'INVALID_METADATA' : 'INVALID_FILTER',
      ]),
    ),
  );
  expect(r.after).toEqual(r.before);
  expect(r.saved).toBe('resolved');
  expect(r.stored).toBe(r.wanted);
  expect(r.reread).toBe(r.wanted);
  expect(r.answers).toBe('resolved');
});

test('search options are checked as strictly as open options', async ({ harness }) => {
  const name = uniqueName('limits-options');
  const r = await harness.evaluate(async (name) => {
    const { VectorIndex } = window.harness.vicinity;
    const settle = window.harness.codeOf;
    const index = await VectorIndex.open(name, { dimensions: 3, timeoutMs: 5_000 });
    await index.upsert([
      { id: 'a', vector: [1, 0, 0], metadata: { g: 'x' } },
      { id: 'b', vector: [0.9, 0.1, 0], metadata: { g: 'y' } },
    ]);
    const state = async () => ({
      size: index.size,
      generation: (await index.stats()).generation,
      hits: JSON.stringify(await index.search([1, 0, 0], { k: 2 })),
    });
    const before = await state();
    const options: Record<string, unknown> = {
      'fitler (misspelt)': { fitler: { g: 'y' } },
      'efsearch (case)': { efsearch: 10 },
      'limit (not an option)': { limit: 1 },
      'unknown key set to undefined': { topK: undefined },
      'k null': { k: null },
      'efSearch null': { efSearch: null },
      'filter null': { filter: null },
      'options null': null,
      'options an array': [],
      'options a string': 'k=1',
      'options a number': 5,
    };
    const want: Record<string, string> = {
      'fitler (misspelt)': 'INVALID_OPTIONS',
      'efsearch (case)': 'INVALID_OPTIONS',
      'limit (not an option)': 'INVALID_OPTIONS',
      'unknown key set to undefined': 'INVALID_OPTIONS',
      'k null': 'INVALID_K',
      'efSearch null': 'INVALID_EF',
      'filter null': 'INVALID_FILTER',
      'options null': 'INVALID_OPTIONS',
      'options an array': 'INVALID_OPTIONS',
      'options a string': 'INVALID_OPTIONS',
      'options a number': 'INVALID_OPTIONS',
    };
    const codes: Record<string, string> = {};
    for (const [label, o] of Object.entries(options)) {
      codes[`search ${label}`] = await settle(() => index.search([1, 0, 0], o as never));
      codes[`searchBatch ${label}`] = await settle(() =>
        index.searchBatch([[1, 0, 0]], o as never),
      );
    }
    const expected = Object.fromEntries(
      Object.entries(want).flatMap(([label, code]) => [
        [`search ${label}`, code],
        [`searchBatch ${label}`, code],
      ]),
    );
    const after = await state();
    // Keys left undefined mean their defaults.
    const defaults = await settle(async () => {
      const hits = await index.search([1, 0, 0], {
        k: undefined,
        filter: undefined,
        efSearch: undefined,
      });
      if (hits.length !== 2) throw new Error(`${hits.length} hits`);
    });
    await index.close();
    await VectorIndex.delete(name);
    return { codes, expected, before, after, defaults };
  }, name);
  expect(r.codes).toEqual(r.expected);
  expect(r.after).toEqual(r.before);
  expect(r.defaults).toBe('resolved');
});

test('an embed function that never settles fails with TIMEOUT; what it returns is checked', async ({
  harness,
}) => {
  const name = uniqueName('limits-embed');
  const r = await harness.evaluate(async (name) => {
    const { VectorIndex } = window.harness.vicinity;
    // The index's timeoutMs (1 s here) bounds embed; waiting 10 times as long tells a hang.
    // A TIMEOUT must be the embed deadline's, not some other.
    const settle = async (run: () => Promise<unknown>, ms = 10_000): Promise<string> => {
      const settled = await window.harness.outcome(Promise.resolve().then(run), ms);
      if ('hang' in settled) return 'HANG';
      if (settled.ok) return 'resolved';
      if (!settled.typed) return `not a VicinityError: ${settled.message}`;
      return settled.code === 'TIMEOUT' && /embed/.test(settled.message)
        ? 'TIMEOUT (embed)'
        : String(settled.code);
    };
    const answers: Record<string, () => unknown> = {
      never: () => new Promise(() => undefined),
      'a thenable that never calls back': () => ({ then: () => undefined }),
      underflow: () => [[1e-23, 0, 0, 0]],
      overflow: () => [[3e38, 3e38, 0, 0]],
      'sqrt(FLT_MAX)': () => Promise.resolve([new Float32Array([2e19, 0, 0, 0])]),
      NaN: () => [[NaN, 1, 0, 0]],
      'not an array': () => new Float32Array(4),
      'too few': () => [],
      'wrong length': () => [[1, 0, 0]],
      throws: () => {
        throw new Error('model not loaded');
      },
    };
    const index = await VectorIndex.open(name, {
      dimensions: 4,
      timeoutMs: 1_000,
      cache: false,
      // The text names what embed does.
      embed: ((texts: string[]) => answers[texts[0]!]!()) as never,
    });
    await index.upsert([
      { id: 'a', vector: [1, 0, 0, 0] },
      { id: 'b', vector: [0, 1, 0, 0] },
    ]);
    const state = async () => ({
      size: index.size,
      generation: (await index.stats()).generation,
      hits: JSON.stringify(await index.search([1, 0.5, 0, 0], { k: 2 })),
    });
    const before = await state();
    // All at once: those that hang wait out one deadline together.
    const labels = Object.keys(answers);
    const outcomes = await Promise.all(
      labels.flatMap((label) => [
        settle(() => index.search(label)),
        settle(() => index.searchBatch([[1, 0, 0, 0], label])),
      ]),
    );
    const codes: Record<string, string> = {};
    labels.forEach((label, i) => {
      codes[`search, embed ${label}`] = outcomes[2 * i]!;
      codes[`searchBatch, embed ${label}`] = outcomes[2 * i + 1]!;
    });
    const after = await state();
    const answered = await settle(() => index.search([0, 1, 0, 0], { k: 1 }), 8_000);
    await index.close();
    await VectorIndex.delete(name);
    return { codes, before, after, answered };
  }, name);
  const want: Record<string, string> = {
    never: 'TIMEOUT (embed)',
    'a thenable that never calls back': 'TIMEOUT (embed)',
    underflow: 'INVALID_VECTOR',
    overflow: 'INVALID_VECTOR',
    'sqrt(FLT_MAX)': 'INVALID_VECTOR',
    NaN: 'INVALID_VECTOR',
    'not an array': 'INVALID_VECTOR',
    'too few': 'INVALID_VECTOR',
    'wrong length': 'DIMENSION_MISMATCH',
    throws: 'INVALID_VECTOR',
  };
  expect(r.codes).toEqual(
    Object.fromEntries(
      Object.entries(want).flatMap(([label, code]) => [
        [`search, embed ${label}`, code],
        [`searchBatch, embed ${label}`, code],
      ]),
    ),
  );
  expect(r.after).toEqual(r.before);
  expect(r.answered).toBe('resolved');
});
