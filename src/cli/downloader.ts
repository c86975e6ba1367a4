#!/usr/bin/env node
/**
 * `distributed-downloader <config.yaml>`: runs or continues the pipeline, as one process or as one
 * rank of `mpirun -np N distributed-downloader <config.yaml>`.
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../config/index.js';
import { LauncherError, withCommunicator } from '../mpi/index.js';
import { UsageError } from '../pipeline/errors.js';
import { runPipeline } from '../pipeline/run.js';
import { runCli } from './main.js';
import { VERSION } from '../version.js';

interface Flags {
  resetBatched?: boolean;
  reset_batched?: boolean;
  resetProfiled?: boolean;
  reset_profiled?: boolean;
  force?: boolean;
  retryErrors?: boolean;
  retry_errors?: boolean;
  stopAfter?: 'initialize' | 'profile' | 'schedule';
}

const program = new Command('distributed-downloader')
  .description(
    'Download the image URLs listed in a configuration\'s input into Parquet: initialize → profile → schedule → ' +
      'download → verify, in rounds. Re-running the same command continues where the last run stopped.',
  )
  .version(VERSION)
  .argument('<config>', 'YAML configuration file (see README, "Configuration")')
  .option('--reset-batched', 'redo everything from initialization (refused if images were downloaded, unless --force)')
  .addOption(new Option('--reset_batched').hideHelp())
  .option('--reset-profiled', 'redo profiling and scheduling; downloaded images are kept')
  .addOption(new Option('--reset_profiled').hideHelp())
  .option('--force', 'let --reset-batched delete downloaded images')
  .option('--retry-errors', 'after the automatic rounds, retry the transient errors (429, 5xx, timeouts, resets) once more')
  .addOption(new Option('--retry_errors').hideHelp())
  .addOption(
    new Option('--stop-after <stage>', 'stop once this stage is done (to inspect its output)').choices(['initialize', 'profile', 'schedule']),
  )
  .showHelpAfterError()
  .action(async (config: string, flags: Flags) => {
    await runCli(async () => {
      // The configuration is checked before MPI starts: every rank would refuse it alike.
      const loaded = loadConfig(config);
      await withCommunicator(async (comm) => {
        await runPipeline(loaded, {
          resetBatched: Boolean(flags.resetBatched || flags.reset_batched),
          resetProfiled: Boolean(flags.resetProfiled || flags.reset_profiled),
          force: Boolean(flags.force),
          retryErrors: Boolean(flags.retryErrors || flags.retry_errors),
          ...(flags.stopAfter ? { stopAfter: flags.stopAfter } : {}),
          comm,
        });
      }).catch((err: unknown) => {
        throw err instanceof LauncherError ? new UsageError(err.message) : err;
      });
    });
  });

program.exitOverride((err) => {
  // commander's own usage errors (unknown option, missing argument) exit 2 like a refused config.
  process.exit(err.exitCode === 0 ? 0 : 2);
});
await program.parseAsync(process.argv);
