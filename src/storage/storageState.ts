/** What the browser says about this origin's storage; null where it does not say. */
export interface StorageState {
  readonly usage: number | null;
  readonly quota: number | null;
  /** Whether the browser promised not to evict this origin's data. */
  readonly persisted: boolean | null;
}

export async function storageState(): Promise<StorageState> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  const [estimate, persisted] = await Promise.all([
    storage?.estimate?.().catch(() => undefined),
    storage?.persisted?.().catch(() => null),
  ]);
  return {
    usage: estimate?.usage ?? null,
    quota: estimate?.quota ?? null,
    persisted: persisted ?? null,
  };
}

/**
 * Asks the browser to keep this origin's data under storage pressure. Browsers
 * decide by their own rules (Chromium grants it to installed or engaged
 * sites) and may say no; the answer shows in `stats().storage.persisted`.
 */
export async function requestPersistence(): Promise<boolean> {
  try {
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
