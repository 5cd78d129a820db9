// Types of bench/chart.mjs, for the unit tests that import it.

export interface ChartPoint {
  readonly recall: number;
  readonly qps: number;
}

export interface ChartSeries {
  readonly name: string;
  readonly points: readonly ChartPoint[];
  readonly color: string;
  readonly dash?: string;
  readonly marker?: 'circle' | 'square' | 'triangle' | 'diamond';
  readonly hollow?: boolean;
}

export interface RecallQpsChartOptions {
  readonly id: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly desc: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly notes?: readonly string[];
  readonly mark?: { readonly recall: number; readonly label: string } | null;
}

export function escapeXml(text: string): string;
export function formatCount(value: number): string;
export function recallQpsChart(options: RecallQpsChartOptions): string;
