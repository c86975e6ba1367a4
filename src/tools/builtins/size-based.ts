/** `size_based`: picks images whose smaller original side is below `tools_parameters.threshold_size`. */
import { RowFilter, type Verdict } from '../filter.js';
import type { SuccessMeta } from '../rows.js';

export class SizeBasedFilter extends RowFilter {
  private readonly threshold = this.ctx.config.tools_parameters.threshold_size;

  select(row: SuccessMeta): Verdict | null {
    const [height, width] = row.original_size;
    const smaller = Math.min(height, width);
    if (smaller >= this.threshold) return null;
    return { reason: 'too_small', detail: `original ${height}×${width}: smaller side ${smaller} < threshold_size ${this.threshold}` };
  }
}
