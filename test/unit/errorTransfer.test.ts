import { expose, wrap } from 'comlink';
import { expect, it } from 'vitest';
import { installErrorTransfer } from '../../src/errors/errorTransfer.js';
import { VicinityError } from '../../src/errors/VicinityError.js';

it('keeps the code of a VicinityError across a message port', async () => {
  installErrorTransfer();
  const { port1, port2 } = new MessageChannel();
  expose(
    {
      fail: () => {
        throw new VicinityError('DIMENSION_MISMATCH', 'three is not four');
      },
      plain: () => {
        throw new TypeError('boom');
      },
    },
    port1 as unknown as Parameters<typeof expose>[1],
  );
  const remote = wrap<{ fail(): void; plain(): void }>(
    port2 as unknown as Parameters<typeof wrap>[0],
  );
  const error = await remote.fail().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(VicinityError);
  expect((error as VicinityError).code).toBe('DIMENSION_MISMATCH');
  expect((error as VicinityError).message).toBe('three is not four');
  const plain = await remote.plain().catch((e: unknown) => e);
  expect((plain as VicinityError).code).toBe('ENGINE_ERROR');
  expect((plain as VicinityError).message).toBe('boom');
  port1.close();
  port2.close();
});
