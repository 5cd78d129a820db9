// Types of demo/prepare.mjs, for the unit tests that import it.

export const ASSETS: string;
export function tokens(text: string): string[];
export function upToDate(): boolean;
export function prepare(options?: {
  force?: boolean;
  out?: NodeJS.WritableStream & { isTTY?: boolean };
}): Promise<Record<string, unknown>>;
