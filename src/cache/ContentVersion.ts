/** Version strings of saved content: their answers may be stored across reloads. */
export const SAVED_VERSION = 's';

/**
 * Names the content an index answers from, for the query cache: the saved
 * snapshot's checksum while nothing was written since it (the same bytes
 * give the same answers in any tab, after any reload), else this page's
 * index object and its count of writes. Writes are counted when they are
 * sent, so that a search called after a write still in flight can never
 * hit an answer from before it.
 */
export class ContentVersion {
  readonly #owner: string;
  #sent = 0;
  /** The saved content the worker held after `sent` writes. */
  #clean: { readonly sent: number; readonly checksum: string } | null;

  constructor(owner: string, checksum: string | null) {
    this.#owner = owner;
    this.#clean = checksum === null ? null : { sent: 0, checksum };
  }

  /** A write (or a change of the default efSearch) is about to be sent. */
  sending(): void {
    this.#sent++;
  }

  /** Writes sent so far: pass to `saved` what was counted when the save was called. */
  get sent(): number {
    return this.#sent;
  }

  /** A save called after `sent` writes stored the content named by `checksum`. */
  saved(sent: number, checksum: string): void {
    this.#clean = { sent, checksum };
  }

  /** A new worker reopened the saved content named by `checksum` (null: nothing was saved). */
  reopened(checksum: string | null): void {
    this.#clean = checksum === null ? null : { sent: this.#sent, checksum };
  }

  current(): string {
    const clean = this.#clean;
    if (clean && clean.sent === this.#sent) return `${SAVED_VERSION}${clean.checksum.slice(0, 32)}`;
    return `u${this.#owner}.${this.#sent}`;
  }
}
