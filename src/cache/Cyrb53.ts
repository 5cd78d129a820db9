/**
 * cyrb53 (public domain, bryc), fed 32-bit words one at a time: a fast
 * 53-bit hash for cache keys and for the checksums of stored answers. Not a
 * cryptographic hash: it tells damaged or edited records from good ones, it
 * does not stop someone who can run code in the origin anyway.
 */
export class Cyrb53 {
  #h1: number;
  #h2: number;
  static readonly #f64 = new Float64Array(1);
  static readonly #f64Words = new Uint32Array(Cyrb53.#f64.buffer);

  constructor(seed = 0) {
    this.#h1 = 0xdeadbeef ^ seed;
    this.#h2 = 0x41c6ce57 ^ seed;
  }

  word(word: number): this {
    this.#h1 = Math.imul(this.#h1 ^ word, 2654435761);
    this.#h2 = Math.imul(this.#h2 ^ word, 1597334677);
    return this;
  }

  /** The same as `word` on each, with the state in locals: a query's hash is on the path of every search. */
  words(words: Uint32Array): this {
    let h1 = this.#h1;
    let h2 = this.#h2;
    for (let i = 0; i < words.length; i++) {
      const word = words[i] as number;
      h1 = Math.imul(h1 ^ word, 2654435761);
      h2 = Math.imul(h2 ^ word, 1597334677);
    }
    this.#h1 = h1;
    this.#h2 = h2;
    return this;
  }

  /** Its length first, so that two strings in a row cannot run into each other. */
  text(text: string): this {
    this.word(text.length);
    for (let i = 0; i < text.length; i++) this.word(text.charCodeAt(i));
    return this;
  }

  /** The number's float64 bit pattern (so -0 and 0 differ). */
  number(value: number): this {
    Cyrb53.#f64[0] = value;
    return this.word(Cyrb53.#f64Words[0] as number).word(Cyrb53.#f64Words[1] as number);
  }

  digest(): number {
    let h1 = this.#h1;
    let h2 = this.#h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }
}
