export { VectorIndex } from './client/VectorIndex.js';
export { VicinityError, ERROR_CODES } from './core/VicinityError.js';
export { LIMITS } from './validation/limits.js';
export { PerformanceMonitor } from './monitor/PerformanceMonitor.js';
export { AlertManager, ALERT_DEFAULTS } from './monitor/AlertManager.js';
export { PageHealth } from './monitor/PageHealth.js';
export { toPrometheus } from './export/toPrometheus.js';
export { toJSON } from './export/toJSON.js';
export { LoadTester } from './loadtest/LoadTester.js';
export { queryVariations } from './loadtest/queryVariations.js';
export { AdaptiveOptimizer } from './optimizer/AdaptiveOptimizer.js';
export { OptimizationValidator } from './optimizer/OptimizationValidator.js';
export { OptimizerPolicy, OPTIMIZER_DEFAULTS } from './optimizer/OptimizerPolicy.js';
export { RecallEstimator } from './optimizer/RecallEstimator.js';
export type * from './monitor/PerformanceMonitor.js';
export type * from './monitor/AlertManager.js';
export type * from './monitor/PageHealth.js';
export type { IndexGauges, MetricsSource } from './export/toPrometheus.js';
export type { DashboardDocument } from './export/toJSON.js';
export type {
  DecisionMetrics,
  OptimizerDecision,
  OptimizerHistorySource,
} from './optimizer/types.js';
export type * from './loadtest/LoadTester.js';
export type { VariationOptions } from './loadtest/queryVariations.js';
export type {
  AdaptiveOptimizerOptions,
  OptimizerChangeEvent,
} from './optimizer/AdaptiveOptimizer.js';
export type {
  ValidatorOptions,
  ValidatedChange,
  Validation,
} from './optimizer/OptimizationValidator.js';
export type {
  OptimizerSettings,
  Observation,
  Decision,
  EfGoal,
  FloorState,
} from './optimizer/OptimizerPolicy.js';
export type { RecallEstimate, RecallEstimatorOptions } from './optimizer/RecallEstimator.js';
export type { CacheOptions, IndexCacheApi } from './cache/IndexCache.js';
export type { CacheStats } from './core/types.js';
export type { WarmOptions, WarmProgress, WarmResult } from './cache/CacheWarmer.js';
export type { LoggedQuery } from './cache/QueryLog.js';
export type { VicinityErrorCode } from './core/VicinityError.js';
export type { VectorIndexOptions, Embedder } from './client/resolveOptions.js';
export type { LogLevel, LogSink } from './core/protocol.js';
export type { ImportOptions, LabelIds, LabelMetadata } from './client/nativeImport.js';
export type { MemoryEstimate, MemoryPlan } from './client/estimate.js';
export type { ImportProgress, NativeExport } from './core/protocol.js';
export type * from './core/types.js';
