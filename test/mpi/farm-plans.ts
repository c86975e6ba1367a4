/**
 * Farms for the multi-rank pipeline tests, and reading their outputs back. Every URL's outcome is
 * fixed by its kind (an image, a 404, a page that is not an image, a redirect loop) and no host
 * ever refuses work, so any run of the same list must end with the same successes and errors.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { hostSpec, planScenario, type ScenarioPlan, type UrlSpec } from '../../bench/farm/index.js';
import { lit, query } from '../helpers/duckdb.js';

const images = (n: number): UrlSpec[] => Array.from({ length: n }, () => ({ kind: 'img', variant: 'small' }));
const times = (n: number, spec: UrlSpec): UrlSpec[] => Array.from({ length: n }, () => spec);

/** A hot host (spread over ranks), three middling ones (one rank each) and a long tail packed under _small. */
export function mixedPlan(): ScenarioPlan {
  const hot = hostSpec({ label: 'hot', capacity: 16, service: { medianMs: 10, sigma: 0.2 } });
  const middling = hostSpec({ label: 'middling', capacity: 4, service: { medianMs: 10, sigma: 0.2 } });
  const tail = hostSpec({ label: 'tail', capacity: 2, service: { medianMs: 5, sigma: 0.2 } });
  return planScenario('mpi-ranks', 7, [
    { spec: hot, urls: [...images(560), ...times(25, { kind: 'status', code: 404 }), ...times(15, { kind: 'html' })] },
    ...Array.from({ length: 3 }, () => ({
      spec: middling,
      urls: [...images(90), ...times(5, { kind: 'redirect', hops: 1, variant: 'small' }), { kind: 'loop', step: 0 } as UrlSpec, ...times(4, { kind: 'status', code: 410 })],
    })),
    ...Array.from({ length: 20 }, () => ({ spec: tail, urls: [...images(2), { kind: 'status', code: 404 } as UrlSpec] })),
  ]);
}

/** One slow host with many batches: a run that lasts long enough to be interrupted. */
export function slowPlan(urls: number): ScenarioPlan {
  return planScenario('mpi-kill', 3, [{ spec: hostSpec({ label: 'slow', capacity: 4, service: { medianMs: 100, sigma: 0.1 } }), urls: images(urls) }]);
}

const glob = (out: string, file: string) => lit(path.join(out, 'images', '*', '*', file));

export async function uuidsOf(out: string, file: 'successes.parquet' | 'errors.parquet'): Promise<string[]> {
  const rows = await query(`select uuid from read_parquet(${glob(out, file)}, hive_partitioning = false) order by uuid`);
  return rows.map((r) => String(r.uuid));
}

/** Every expected uuid exactly once over successes, errors and rejected rows. */
export async function assertEveryRowOnce(out: string, expected: readonly string[]): Promise<void> {
  const rows = await query(`
    select uuid, count(*) as n from (
      select uuid from read_parquet(${glob(out, 'successes.parquet')}, hive_partitioning = false)
      union all select uuid from read_parquet(${glob(out, 'errors.parquet')}, hive_partitioning = false)
      union all select uuid from read_parquet(${lit(path.join(out, 'rejected.parquet'))})
    ) group by uuid`);
  assert.deepEqual(rows.filter((r) => Number(r.n) !== 1), [], 'no row twice');
  assert.deepEqual(rows.map((r) => String(r.uuid)).sort(), [...expected].sort(), 'every input row accounted for');
}
