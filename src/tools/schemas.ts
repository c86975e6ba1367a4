/** Arrow schemas of the files tools write under tools/<tool>/: a filter's selections and a runner's trail. */
import * as arrow from 'apache-arrow';
import type { Cell } from '../pipeline/schemas.js';
import type { Partition } from '../pipeline/schedule.js';
import type { Verdict } from './filter.js';

const utf8 = (name: string) => new arrow.Field(name, new arrow.Utf8(), true);

/** selection.parquet: the rows a filter picked in one batch and why. */
export const selectionSchema = new arrow.Schema([utf8('uuid'), utf8('reason'), utf8('detail'), utf8('reference_uuid')]);

/**
 * trail.parquet: every row a tool removed or replaced, exactly as it was (image included), followed
 * by what happened to it and why. Selecting the successes columns of a trail gives the rows back,
 * so a tool run can be audited and undone.
 */
export type TrailAction = 'removed' | 'replaced';

/** Columns appended to the successes columns. */
const TRAIL_FIELDS = [
  utf8('action'),
  utf8('reason'),
  utf8('detail'),
  utf8('reference_uuid'),
  /** The batch folder's server name (`_small` for packed batches) and partition, to put a row back. */
  utf8('batch_server_name'),
  new arrow.Field('batch_partition_id', new arrow.Int64(), true),
];

export function trailSchema(successes: arrow.Schema): arrow.Schema {
  return new arrow.Schema([...successes.fields, ...TRAIL_FIELDS]);
}

/** The trail columns of one row, after its successes cells. */
export function trailCells(action: TrailAction, verdict: Verdict, batch: Pick<Partition, 'server_name' | 'partition_id'>): Cell[] {
  return [action, verdict.reason, verdict.detail ?? '', verdict.reference_uuid ?? null, batch.server_name, batch.partition_id];
}
