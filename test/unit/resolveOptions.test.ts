import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/client/resolveOptions.js';
import { codeOf } from '../support/codeOf.js';

describe('resolveOptions', () => {
  it('leaves unset build parameters undefined so that a reopen takes the stored ones', () => {
    const r = resolveOptions('docs', { dimensions: 100 });
    expect(r).toMatchObject({
      name: 'docs',
      dimensions: 100,
      metric: undefined,
      M: undefined,
      initialCapacity: 1024,
    });
  });

  it('keeps an explicit value that a falsy default check would lose', () => {
    expect(resolveOptions('docs', { efSearch: 1 }).efSearch).toBe(1);
  });

  it.each([
    ['', {}],
    ['docs', { dimensions: 0 }],
    ['docs', { dimensions: 1.5 }],
    ['docs', { metric: 'hamming' }],
    ['docs', { M: 1 }],
    ['docs', { efSearch: -3 }],
    ['docs', { embed: 'nope' }],
    ['docs', { dimension: 100 }],
    ['docs', { quantization: 'int4' }],
    ['docs', { quantization: 8 }],
    ['lone \uD800 high surrogate', {}],
    ['\uDC00 lone low surrogate', {}],
  ])('rejects name %j with %j as INVALID_OPTIONS', (name, options) => {
    expect(codeOf(() => resolveOptions(name, options as never))).toBe('INVALID_OPTIONS');
  });

  it('takes a name with a surrogate pair (an emoji)', () => {
    expect(resolveOptions('notes \uD83D\uDE00').name).toBe('notes \uD83D\uDE00');
  });

  it('takes quantization, leaving it undefined when unset; int8 on hnswlib-wasm is UNSUPPORTED_ENGINE', () => {
    expect(resolveOptions('docs').quantization).toBeUndefined();
    expect(resolveOptions('docs', { quantization: 'int8', engine: 'simd' }).quantization).toBe(
      'int8',
    );
    expect(
      resolveOptions('docs', { quantization: 'none', engine: 'hnswlib-wasm' }).quantization,
    ).toBe('none');
    expect(
      codeOf(() => resolveOptions('docs', { quantization: 'int8', engine: 'hnswlib-wasm' })),
    ).toBe('UNSUPPORTED_ENGINE');
  });
});
