import { expect, it } from 'vitest';
import { SpinWait } from '../../src/client/SpinWait.js';

/** A clock that moves on `step` ms each time it is read. */
function clock(step: number) {
  let now = 0;
  return {
    read: () => (now += step),
    get now() {
      return now;
    },
  };
}

it('spins for an answer due soon, for at most twice the recent round trip', () => {
  const time = clock(0.01);
  const spin = new SpinWait(time.read);
  spin.took(0.1);
  let polls = 0;
  // Answered on the fifth look.
  expect(spin.wait(() => ++polls >= 5, time.read())).toBe(true);
  // Never answered: it gives up after its budget, about 2 × 0.175 ms.
  const from = time.read();
  expect(spin.wait(() => false, from)).toBe(false);
  expect(time.now - from).toBeGreaterThan(0.3);
  expect(time.now - from).toBeLessThan(0.45);
});

it('does not spin when round trips are long: the page waits without blocking', () => {
  const time = clock(0.01);
  const spin = new SpinWait(time.read);
  for (let i = 0; i < 20; i++) spin.took(5);
  let polls = 0;
  expect(spin.wait(() => (++polls, false), time.read())).toBe(false);
  expect(polls).toBe(1);
});

it('after 5 ms of answers taken by spinning without a pause, it says to yield, and then starts a new run', () => {
  const time = clock(0.05);
  const spin = new SpinWait(time.read);
  const overRunAt: number[] = [];
  for (let i = 0; i < 400; i++) {
    expect(spin.wait(() => true, time.read())).toBe(true);
    if (spin.overRun()) overRunAt.push(time.now);
  }
  expect(overRunAt.length).toBeGreaterThan(2);
  const gaps = overRunAt.slice(1).map((t, i) => t - overRunAt[i]!);
  for (const gap of gaps) {
    expect(gap).toBeGreaterThan(5);
    expect(gap).toBeLessThan(6);
  }
});

it('a pause between searches starts a new run', () => {
  const time = clock(0.05);
  const spin = new SpinWait(time.read);
  for (let i = 0; i < 400; i++) {
    expect(spin.wait(() => true, time.read())).toBe(true);
    // The page did other work for 2 ms between two searches.
    for (let t = 0; t < 40; t++) time.read();
    expect(spin.overRun()).toBe(false);
  }
});
