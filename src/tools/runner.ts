/** Base classes of the runner stage: what a rank does with each batch scheduled to it. */
import type { ToolContext } from './context.js';
import type { FilterPartition, Selection } from './filter.js';
import { rewriteBatch, type RewriteCounts, type RowDecision } from './rewrite.js';
import type { SuccessRow } from './rows.js';

/** Counts a runner reports for a batch; the run's summary adds them up key by key. */
export type BatchResult = Readonly<Record<string, number>>;

export interface ToolBatch extends FilterPartition {
  /** The rows the filter picked in this batch, by uuid (empty when the filter picks none). */
  readonly selection: ReadonlyMap<string, Selection>;
}

/**
 * Base of every runner. `processBatch` must leave the batch whole if the process is killed during
 * it, and may be called again for the same batch after such a kill; once it resolves, the batch is
 * recorded as done for this run and not given to it again.
 */
export abstract class RunnerTool {
  constructor(protected readonly ctx: ToolContext) {}

  abstract processBatch(batch: ToolBatch): Promise<BatchResult>;
}

export const KEEP: RowDecision = Object.freeze({ action: 'keep' });

/**
 * A runner that rewrites successes.parquet row by row: each row is kept, removed or replaced, and
 * every removed or replaced row goes to the trail as it was (see rewrite.ts). A batch where nothing
 * changes is left untouched.
 */
export abstract class RewriteRunner extends RunnerTool {
  /** Rows read and decided at once; decisions within a chunk run concurrently (image work). */
  protected chunkRows = 32;

  /** What to do with one row; `selected` is the filter's pick for it, if any. */
  abstract decide(row: SuccessRow, selected: Selection | undefined): Promise<RowDecision> | RowDecision;

  processBatch(batch: ToolBatch): Promise<RewriteCounts> {
    return rewriteBatch(this.ctx, batch, (row) => this.decide(row, batch.selection.get(row.uuid)), this.chunkRows);
  }
}

/** Removes exactly the rows the filter picked, with the filter's reason: size_based, duplication_based. */
export class RemoveSelectedRunner extends RewriteRunner {
  decide(_row: SuccessRow, selected: Selection | undefined): RowDecision {
    return selected ? { action: 'remove', ...selected } : KEEP;
  }
}
