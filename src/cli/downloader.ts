#!/usr/bin/env node
/**
 * `distributed-downloader <config.yaml>`: runs or continues the pipeline, as one process or as one
 * rank of `mpirun -np N distributed-downloader <config.yaml>`, or submits it as chained Slurm jobs
 * (`--executor slurm`); `distributed-downloader status <config.yaml>` shows where it stands.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config/index.js';
import { LauncherError, withCommunicator, type Communicator } from '../mpi/index.js';
import { UsageError } from '../pipeline/errors.js';
import { runPipeline } from '../pipeline/run.js';
import { JOB_STAGES, runStage, statusLines, submitPipeline, type JobStage } from '../slurm/index.js';
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
  executor?: 'local' | 'slurm';
  stage?: JobStage;
  ranks?: number;
}

/** Runs `body` on this process's ranks; a launch by the wrong launcher is refused like a bad option. */
function onRanks(body: (comm: Communicator) => Promise<void>): Promise<void> {
  return withCommunicator(body).catch((err: unknown) => {
    throw err instanceof LauncherError ? new UsageError(err.message) : err;
  });
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
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
  .addOption(
    new Option('--executor <executor>', 'run here (local) or submit the stages as chained Slurm jobs (slurm); default: the configuration\'s `executor`').choices([
      'local',
      'slurm',
    ]),
  )
  // What a Slurm job runs: one stage, alone (and for the schedule, the download jobs' ranks).
  .addOption(new Option('--stage <stage>').choices(JOB_STAGES).hideHelp())
  .addOption(new Option('--ranks <n>').argParser(positiveInteger).hideHelp())
  .showHelpAfterError()
  .exitOverride((err) => {
    // commander's own usage errors (unknown option, missing argument) exit 2 like a refused config.
    process.exit(err.exitCode === 0 ? 0 : 2);
  })
  .action(async (config: string, flags: Flags) => {
    await runCli(async () => {
      // The configuration is checked before MPI starts: every rank would refuse it alike.
      const loaded = loadConfig(config);
      const runFlags = {
        resetBatched: Boolean(flags.resetBatched || flags.reset_batched),
        resetProfiled: Boolean(flags.resetProfiled || flags.reset_profiled),
        force: Boolean(flags.force),
        retryErrors: Boolean(flags.retryErrors || flags.retry_errors),
      };
      if (flags.stage) {
        if (Object.values(runFlags).some(Boolean) || flags.stopAfter) throw new UsageError('--stage runs one stage of a Slurm job and takes no other options');
        const stage = flags.stage;
        await onRanks((comm) => runStage(loaded, stage, { comm, ...(flags.ranks ? { ranks: flags.ranks } : {}) }));
        return;
      }
      if ((flags.executor ?? loaded.executor) === 'slurm') {
        await submitPipeline(loaded, { ...runFlags, ...(flags.stopAfter ? { stopAfter: flags.stopAfter } : {}) });
        return;
      }
      await onRanks(async (comm) => {
        await runPipeline(loaded, { ...runFlags, ...(flags.stopAfter ? { stopAfter: flags.stopAfter } : {}), comm });
      });
    });
  });

program
  .command('status')
  .description('show where the pipeline of a configuration stands: stages, batches done and left, and its Slurm jobs')
  .argument('<config>', 'YAML configuration file')
  .action(async (config: string) => {
    await runCli(async () => {
      for (const line of await statusLines(loadConfig(config))) console.log(line);
    });
  });

await program.parseAsync(process.argv);
