/** Creates the configured policy for one host. */
import type { AlgorithmContext, LimitAlgorithm } from './algorithm.js';
import { AdaptiveLimit } from './algorithms/adaptive.js';
import { AimdLimit } from './algorithms/aimd.js';
import { FixedRate } from './algorithms/fixed.js';
import { PaarcLimit } from './algorithms/paarc.js';

export function createAlgorithm(ctx: AlgorithmContext): LimitAlgorithm {
  switch (ctx.options.algorithm) {
    case 'adaptive':
      return new AdaptiveLimit(ctx);
    case 'aimd':
      return new AimdLimit(ctx);
    case 'paarc':
      return new PaarcLimit(ctx);
    case 'fixed':
      return new FixedRate(ctx);
  }
}
