// BENCHMARKS.md from the results of a full run: its prose is
// bench/BENCHMARKS.template.md, filled with the figures of
// bench/report-figures.mjs, the tables of bench/report-tables.mjs and
// bench/report-run-tables.mjs, and the paths of bench/report-charts.mjs's
// charts. The scale and relevance sections are not made here (bench/run.mjs
// keeps them from the file it replaces).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHART_DIR, chartFile } from './report-charts.mjs';
import { runFigures } from './report-figures.mjs';
import { FORMATS } from './report-format.mjs';
import {
  hotPathMarkdownTables,
  runMarkdownTables,
  sustainedMarkdownTable,
} from './report-run-tables.mjs';
import { sizeMarkdownTables } from './report-tables.mjs';
import { fillTemplate } from './report-template.mjs';

/** The template of BENCHMARKS.md, which holds all of its prose. */
export const TEMPLATE = fileURLToPath(new URL('./BENCHMARKS.template.md', import.meta.url));

/** What the template's placeholders name: the run's figures, with the tables and charts. */
export function markdownContext(results) {
  const figures = runFigures(results);
  return {
    ...figures,
    table: runMarkdownTables(results),
    sizes: figures.sizes.map((size) => ({
      ...size,
      chart: `${CHART_DIR}/${chartFile(size.vectors)}`,
      table: sizeMarkdownTables(size),
    })),
    hotpath: hotPathMarkdownTables(results),
    sustained: figures.sustained.map((size) => ({
      ...size,
      table: sustainedMarkdownTable(size),
    })),
  };
}

/** BENCHMARKS.md, from the results of a full run and the template (by default the file). */
export function renderMarkdown(results, template = readFileSync(TEMPLATE, 'utf8')) {
  return fillTemplate(template, markdownContext(results), {
    formats: FORMATS,
    source: 'bench/BENCHMARKS.template.md',
  });
}
