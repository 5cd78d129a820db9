import type { Metric } from '../core/types.js';
import {
  validatorOptions,
  type ResolvedValidatorOptions,
  type ValidatorOptions,
} from './OptimizationValidator.js';
import { OptionReader } from './OptionReader.js';
import { optimizerSettings, SETTINGS_KEYS, type OptimizerSettings } from './OptimizerPolicy.js';
import { recallOptions, type RecallEstimatorOptions } from './RecallEstimator.js';

/**
 * The optimizer's options: the policy's settings (OptimizerSettings) and
 * these. Every one is checked in the constructor, unknown keys too.
 */
export interface AdaptiveOptimizerOptions extends Partial<OptimizerSettings> {
  /** A cycle runs this often, ms, from 10 to 86,400,000 (a day). @default 5000 */
  readonly intervalMs?: number;
  /** …and also after this many searches (0: only on the interval), at most 1,000,000. @default 0 */
  readonly everyQueries?: number;
  /** How recall is sampled. */
  readonly recall?: RecallEstimatorOptions;
  /** Validation of every efSearch change; false: changes are kept as made. @default { mode: 'live' } */
  readonly validate?: ValidatorOptions | false;
  /** Decisions kept, 1 to 10,000. @default 100 */
  readonly historySize?: number;
  /** Starts enabled. @default true */
  readonly enabled?: boolean;
}

/** Bounds of the optimizer's own options (the policy's: OPTIMIZER_LIMITS). */
export const ADAPTIVE_LIMITS = {
  intervalMs: { min: 10, max: 86_400_000 },
  everyQueries: 1_000_000,
  historySize: 10_000,
} as const;

const OWN_KEYS = [
  'intervalMs',
  'everyQueries',
  'recall',
  'validate',
  'historySize',
  'enabled',
] as const satisfies readonly Exclude<keyof AdaptiveOptimizerOptions, keyof OptimizerSettings>[];

export interface ResolvedOptimizerOptions {
  readonly settings: OptimizerSettings;
  readonly recall: Required<RecallEstimatorOptions>;
  readonly validate: ResolvedValidatorOptions | false;
  readonly intervalMs: number;
  readonly everyQueries: number;
  readonly historySize: number;
  readonly enabled: boolean;
}

/**
 * Checks every option of an AdaptiveOptimizer against the index it tunes,
 * before anything starts: unknown keys, types and ranges fail with
 * INVALID_OPTIONS, and so do settings that could never act (`minSamples`
 * over the monitor's capacity, `minRecallSamples` over `recall.sampleSize`).
 */
export function optimizerOptions(
  options: unknown,
  index: { readonly dimensions: number; readonly metric: Metric; readonly monitorCapacity: number },
): ResolvedOptimizerOptions {
  const read = OptionReader.of(options, '', [...SETTINGS_KEYS, ...OWN_KEYS]);
  const given: Partial<Record<keyof OptimizerSettings, unknown>> = {};
  for (const key of SETTINGS_KEYS) if (read.has(key)) given[key] = read.raw(key);
  const settings = optimizerSettings(given as Partial<OptimizerSettings>);
  if (settings.minSamples > index.monitorCapacity)
    read.fail('minSamples', `must be at most the monitor's capacity, ${index.monitorCapacity}`);
  const recall = recallOptions(read.raw('recall') as RecallEstimatorOptions | undefined);
  if (settings.minRecallSamples > recall.sampleSize)
    read.fail('minRecallSamples', `must be at most recall.sampleSize, ${recall.sampleSize}`);
  const validate = read.raw('validate');
  const L = ADAPTIVE_LIMITS;
  return {
    settings,
    recall,
    validate: validate === false ? false : validatorOptions(validate, index),
    intervalMs: read.number('intervalMs', L.intervalMs, 5000),
    everyQueries: read.integer('everyQueries', 0, L.everyQueries, 0),
    historySize: read.integer('historySize', 1, L.historySize, 100),
    enabled: read.boolean('enabled', true),
  };
}
