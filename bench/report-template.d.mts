// Types of bench/report-template.mjs, for the unit tests that import it.

export function fillTemplate(
  template: string,
  context: Record<string, unknown>,
  options?: {
    readonly formats?: Record<string, (value: never) => string>;
    readonly source?: string;
  },
): string;
