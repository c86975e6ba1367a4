/** The per-host controller: pure, deterministic, clock injected, no I/O. */
export * from './types.js';
export * from './histogram.js';
export * from './options.js';
export * from './stats.js';
export type { AlgorithmContext, LimitAlgorithm } from './algorithm.js';
export { createAlgorithm } from './factory.js';
export { Controller } from './controller.js';
export { splitDecision, splitLimit } from './split.js';
