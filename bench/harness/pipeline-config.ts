/**
 * The configuration a benchmark run gives the pipeline. Everything not set here keeps the tool's
 * defaults, so the benchmark measures the tool as users get it; what is set is set for a reason.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { AlgorithmName } from '../../src/controller/options.js';
import type { ImageEncoding } from '../../src/engine/options.js';

export type RawSection = Record<string, unknown>;
export type RawConfig = Record<string, unknown>;

export interface PipelineSettings {
  readonly algorithm: AlgorithmName;
  /**
   * `original` with a large image_size stores the downloaded bytes as they are (only the header is
   * read), which takes image processing out of the measurement (DESIGN §9); anything else re-encodes.
   */
  readonly encoding: ImageEncoding;
  /** Keys merged over the benchmark's own, section by section. */
  readonly overrides?: RawConfig;
}

/** Larger than any farm image (1600 px), so `original` never has to resize. */
const NO_RESIZE_SIZE = 4096;
/** More than any scenario has batches: every host is worked on from the start, as the hosts' oracle assumes. */
const ALL_BATCHES = 100_000;

/** `over` merged into `base`: plain objects key by key, anything else replaced. */
export function mergeConfig(base: RawConfig, over: RawConfig): RawConfig {
  const out: RawConfig = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isSection(prev) && isSection(value) ? mergeConfig(prev, value) : value;
  }
  return out;
}

function isSection(v: unknown): v is RawSection {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function pipelineConfig(urlList: string, outputDir: string, settings: PipelineSettings): RawConfig {
  const base: RawConfig = {
    path_to_input: urlList,
    path_to_output: outputDir,
    // Transient errors that stay (refusing hosts, resets) must end the run, not fail it.
    suppress_unchanged_error: true,
    downloader_parameters: settings.encoding === 'original' ? { image_size: NO_RESIZE_SIZE } : {},
    controller: { algorithm: settings.algorithm },
    // The farm lives on 127.0.0.0/8, which the engine refuses by default.
    engine: { allow_private_addresses: true },
    image: { encoding: settings.encoding },
    // One round: the benchmark times the first pass over the list; later rounds only retry errors.
    download: { max_rounds: 1, open_batches: ALL_BATCHES },
  };
  return settings.overrides ? mergeConfig(base, settings.overrides) : base;
}

/** Writes the configuration as YAML, so a run can be repeated by hand with the CLI. */
export async function writeConfig(file: string, config: RawConfig): Promise<string> {
  await writeFile(file, `# Written by the benchmark harness (bench/harness); paths are absolute.\n${stringify(config)}`);
  return path.resolve(file);
}
