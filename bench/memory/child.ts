/**
 * One measured download in its own process, so the peak RSS is its own:
 *   child.js <urls.tsv> <out> <batch_size> <open_batches> <max_inflight>
 * Prints one JSON line {seconds, images, maxRssMiB}.
 */
import { validateConfig, runPipeline } from '../../src/index.js';

const [input, out, batchSize, openBatches, maxInflight] = process.argv.slice(2);
const config = validateConfig(
  {
    path_to_input: input,
    path_to_output: out,
    downloader_parameters: { batch_size: Number(batchSize) },
    engine: { allow_private_addresses: true, max_inflight: Number(maxInflight) },
    download: { open_batches: Number(openBatches), max_rounds: 1 },
  },
  `${out}.yaml`,
);
const started = performance.now();
const result = await runPipeline(config, { say: () => undefined, progress: { live: false, plainIntervalSeconds: 3600 } });
console.log(
  JSON.stringify({
    seconds: (performance.now() - started) / 1000,
    images: result.verify?.rows.successes ?? 0,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
