export { seededRandom } from '../../src/util/seededRandom.js';

/** The seed for a randomised test: from the environment variable when set, else fresh. */
export function seedFrom(variable: string | undefined): number {
  const given = Number(variable);
  return Number.isSafeInteger(given) && variable !== '' && variable !== undefined
    ? given
    : Math.floor(Math.random() * 2 ** 31);
}
