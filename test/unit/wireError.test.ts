import { expose, transferHandlers, wrap } from 'comlink';
import { afterEach, expect, it } from 'vitest';
import { VicinityError } from '../../src/core/VicinityError.js';
import { fromWorker, throwingWireErrors } from '../../src/core/wireError.js';

type Endpoint = Parameters<typeof expose>[1];
const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

function connect<T extends object>(api: T) {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  expose(api, port1 as unknown as Endpoint);
  return wrap<T>(port2 as unknown as Parameters<typeof wrap>[0]);
}

class Service {
  fail(): void {
    throw new VicinityError('DIMENSION_MISMATCH', 'three is not four');
  }
  async plain(): Promise<void> {
    throw new TypeError('boom');
  }
  twice(x: number): number {
    return 2 * x;
  }
}

it('keeps the code of a VicinityError across a message port, and answers as before', async () => {
  const remote = connect(throwingWireErrors(new Service()));
  expect(await remote.twice(21)).toBe(42);
  const error = fromWorker(await remote.fail().catch((e: unknown) => e), 'ENGINE_ERROR');
  expect(error).toBeInstanceOf(VicinityError);
  expect(error.code).toBe('DIMENSION_MISMATCH');
  expect(error.message).toBe('three is not four');
  const plain = fromWorker(await remote.plain().catch((e: unknown) => e), 'STORAGE_ERROR');
  expect(plain.code).toBe('ENGINE_ERROR');
  expect(plain.message).toBe('boom');
});

it("leaves Comlink's handlers alone: another endpoint's errors arrive as Comlink makes them", async () => {
  const before = transferHandlers.get('throw');
  connect(throwingWireErrors(new Service()));
  expect(transferHandlers.get('throw')).toBe(before);
  const other = connect<{ fail(): void }>({
    fail() {
      throw new RangeError('out of range');
    },
  });
  const error = await other.fail().catch((e: unknown) => e);
  expect(error).not.toBeInstanceOf(VicinityError);
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).name).toBe('RangeError');
  expect((error as Error).message).toBe('out of range');
});
