/**
 * News of saves between the tabs (and index objects) of one origin that
 * hold the same index, over a BroadcastChannel: each save is announced, and
 * a newer generation saved elsewhere is heard. Where BroadcastChannel is
 * missing, nothing is announced and nothing heard.
 */
export class TabSync {
  readonly #id = crypto.randomUUID();
  readonly #channel: BroadcastChannel | undefined;

  /** `onNewer` hears of each generation saved by another tab or index object. */
  constructor(name: string, onSaved: (generation: number) => void) {
    if (typeof BroadcastChannel === 'undefined') return;
    this.#channel = new BroadcastChannel(`vicinity:${name}`);
    this.#channel.onmessage = (event: MessageEvent<{ source: string; generation: number }>) => {
      if (event.data.source !== this.#id) onSaved(event.data.generation);
    };
  }

  /** Names this index object, as the query cache's versions of unsaved content do. */
  get id(): string {
    return this.#id;
  }

  /** Other tabs hear of a save; once closed there is nobody left to tell from here. */
  announce(generation: number): void {
    try {
      this.#channel?.postMessage({ source: this.#id, generation });
    } catch {
      // The channel closed (the page is unloading): tabs see the generation when they save.
    }
  }

  close(): void {
    this.#channel?.close();
  }
}
