/**
 * The dashboard's own styles, scoped to its shadow root. Colours are custom
 * properties on the host, so a page can restyle it (`vicinity-dashboard {
 * --vd-accent: … }`); the chart reads them too.
 */
import uplotCss from 'uplot/dist/uPlot.min.css?inline';

/** The dark palette: for theme="dark", and for the system's dark scheme unless theme="light". */
const DARK = `
  --vd-bg: #16191d;
  --vd-panel: #1f2328;
  --vd-fg: #e6e8eb;
  --vd-muted: #9aa3ad;
  --vd-border: #333a42;
  --vd-grid: #2b3138;
  --vd-p50: #6ea0ff;
  --vd-p95: #ff8a50;
  --vd-rate: #5ccf7a;
  --vd-ok: #5ccf7a;
  --vd-warn: #f0a640;
  --vd-bad: #ff6b6b;
`;

/* uPlot's own stylesheet positions the chart's layers; ours follows it. */
export const DASHBOARD_CSS = `${uplotCss}

:host {
  --vd-bg: #ffffff;
  --vd-panel: #f6f7f9;
  --vd-fg: #1b1f24;
  --vd-muted: #5b6470;
  --vd-border: #dde1e6;
  --vd-grid: #e6e9ed;
  --vd-p50: #2f6fdb;
  --vd-p95: #d9480f;
  --vd-rate: #2b8a3e;
  --vd-ok: #2b8a3e;
  --vd-warn: #b35c00;
  --vd-bad: #c92a2a;
  display: block;
  container-type: inline-size;
  color: var(--vd-fg);
  background: var(--vd-bg);
  font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  padding: 12px;
  border-radius: 8px;
  box-sizing: border-box;
}
:host([hidden]) { display: none; }
:host([theme='dark']) {${DARK}}
@media (prefers-color-scheme: dark) {
  :host(:not([theme='light'])) {${DARK}}
}
* { box-sizing: border-box; }
header {
  display: flex;
  flex-wrap: wrap;
  align-items: baseline;
  justify-content: space-between;
  gap: 4px 12px;
  margin-bottom: 10px;
}
h2 { font-size: 16px; margin: 0; font-weight: 600; overflow-wrap: anywhere; }
h3 {
  font-size: 12px;
  margin: 0 0 6px;
  font-weight: 600;
  text-transform: uppercase;
  letter-spacing: 0.04em;
  color: var(--vd-muted);
}
.health { font-weight: 600; white-space: nowrap; }
.health::before { content: '●'; margin-right: 6px; }
.health[data-health='no-data'] { color: var(--vd-muted); }
.health[data-health='healthy'] { color: var(--vd-ok); }
.health[data-health='degraded'] { color: var(--vd-warn); }
.health[data-health='critical'] { color: var(--vd-bad); }
/* Eight tiles: two rows of four, one row of eight when wide, four rows of two when narrow; never a row of one. */
.tiles {
  display: grid;
  grid-template-columns: repeat(4, minmax(0, 1fr));
  gap: 8px;
  margin-bottom: 10px;
}
@container (min-width: 1100px) {
  .tiles { grid-template-columns: repeat(8, minmax(0, 1fr)); }
}
@container (max-width: 520px) {
  .tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); }
}
.tile, .panel {
  background: var(--vd-panel);
  border: 1px solid var(--vd-border);
  border-radius: 6px;
  padding: 8px 10px;
  min-width: 0;
}
.tile .label { display: block; font-size: 12px; color: var(--vd-muted); }
.tile .value {
  display: block;
  font-size: 20px;
  font-weight: 600;
  font-variant-numeric: tabular-nums;
  white-space: nowrap;
  overflow: hidden;
  text-overflow: ellipsis;
}
/* A detail wraps rather than ending in an ellipsis ("loadtest, 373.5 KiB ca…" said nothing). */
.tile .detail { display: block; font-size: 12px; color: var(--vd-muted); overflow-wrap: anywhere; }
.tile[data-state='bad'] .value { color: var(--vd-bad); }
.tile[data-state='warn'] .value { color: var(--vd-warn); }
.timeline { margin-bottom: 10px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--vd-muted); margin-top: 4px; }
.legend span::before { content: ''; display: inline-block; width: 10px; height: 3px; margin-right: 5px; vertical-align: middle; background: currentColor; }
.legend .p50 { color: var(--vd-p50); }
.legend .p95 { color: var(--vd-p95); }
.legend .rate { color: var(--vd-rate); }
.chart { width: 100%; min-height: 180px; }
.panels {
  display: grid;
  grid-template-columns: repeat(auto-fit, minmax(300px, 1fr));
  gap: 8px;
}
@container (max-width: 420px) {
  .panels { grid-template-columns: 1fr; }
}
/* From two columns of panels up (2 × 300 px and the gap), the table takes two: it needs about 560 px. */
@container (min-width: 608px) {
  .panel.operations { grid-column: span 2; }
}
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 6px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { font-weight: 600; color: var(--vd-muted); border-bottom: 1px solid var(--vd-border); }
/*
 * Narrow, the table tightens; at phone widths each operation's name takes a
 * line of its own above its six figures, so that every column stays in sight
 * (at 390 px, worker p50 and errors were scrolled out of it).
 */
@container (max-width: 520px) {
  table { font-size: 12px; }
  th, td { padding: 3px 3px; }
  th { white-space: normal; vertical-align: bottom; }
  .panel { padding: 8px 6px; }
}
@container (max-width: 420px) {
  table, thead, tbody { display: block; }
  /* count and errors are short; the four latencies ("0.30 ms") get the room. */
  tr {
    display: grid;
    grid-template-columns: minmax(0, 0.8fr) repeat(4, minmax(0, 1.1fr)) minmax(0, 0.8fr);
  }
  .panel.operations { padding: 8px 4px; }
  th:first-child { display: none; }
  td:first-child { grid-column: 1 / -1; font-weight: 600; padding-top: 6px; }
  th, td { padding: 2px 0 2px 2px; }
  th { align-self: end; font-size: 11px; }
  tbody tr { border-bottom: 1px solid var(--vd-grid); }
}
ul { list-style: none; margin: 0; padding: 0; font-size: 13px; }
li { padding: 4px 0; border-bottom: 1px solid var(--vd-grid); overflow-wrap: anywhere; }
li:last-child { border-bottom: 0; }
li .meta { color: var(--vd-muted); font-size: 12px; margin-left: 6px; }
li[data-severity='critical'] .what { color: var(--vd-bad); }
li[data-severity='warning'] .what { color: var(--vd-warn); }
li[data-cleared] .what { color: var(--vd-muted); }
.empty { color: var(--vd-muted); font-size: 13px; }
dl.vitals { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 0; font-size: 13px; font-variant-numeric: tabular-nums; }
dl.vitals dt { color: var(--vd-muted); }
dl.vitals dd { margin: 0; }
dl.vitals dd[data-rating='good'] { color: var(--vd-ok); }
dl.vitals dd[data-rating='needs-improvement'] { color: var(--vd-warn); }
dl.vitals dd[data-rating='poor'] { color: var(--vd-bad); }
`;
