/*
 * A test worker that runs the random-damage cases against IndexService
 * directly: the same open path as the index worker (store checks, snapshot
 * decoding, engine load), without starting a worker per case.
 */
import { expose } from 'comlink';
import * as corruptions from './corruptions.js';

expose(corruptions);
