#!/usr/bin/env node
/**
 * `distributed-downloader-tools <config.yaml> <tool>`: the post-processing tools pipeline, as one
 * process or as one rank of `mpirun -np N distributed-downloader-tools <config.yaml> <tool>`.
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../config/index.js';
import { LauncherError, withCommunicator } from '../mpi/index.js';
import { UsageError } from '../pipeline/errors.js';
import { runTool } from '../tools/index.js';
import { runCli } from './main.js';
import { VERSION } from '../version.js';

interface Flags {
  resetFiltering?: boolean;
  reset_filtering?: boolean;
  resetScheduling?: boolean;
  reset_scheduling?: boolean;
  resetRunners?: boolean;
  reset_runners?: boolean;
  toolNameOverride?: boolean;
  tool_name_override?: boolean;
}

const program = new Command('distributed-downloader-tools')
  .description('Apply a post-processing tool (filter → schedule → run) to a finished download.\nBuilt-in tools: size_based, duplication_based, resize, image_verification; more from tools_parameters.plugins.')
  .version(VERSION)
  .argument('<config>', 'YAML configuration file (the one used for the download)')
  .argument('<tool>', 'tool name')
  .option('--reset-filtering', 'redo everything: filter, schedule and a new run of the runners (earlier trails are kept)')
  .addOption(new Option('--reset_filtering').hideHelp())
  .option('--reset-scheduling', 'keep the filter\'s result, redo the schedule; the runners continue')
  .addOption(new Option('--reset_scheduling').hideHelp())
  .option('--reset-runners', 'keep the filter\'s result; a new run processes every batch again')
  .addOption(new Option('--reset_runners').hideHelp())
  .option('--tool-name-override', 'let a tool without a registered filter or scheduler use the default ones')
  .addOption(new Option('--tool_name_override').hideHelp())
  .showHelpAfterError()
  .action(async (config: string, tool: string, flags: Flags) => {
    await runCli(async () => {
      // The configuration is checked before MPI starts: every rank would refuse it alike.
      const loaded = loadConfig(config);
      await withCommunicator(async (comm) => {
        const result = await runTool(loaded, tool, {
          resetFiltering: Boolean(flags.resetFiltering || flags.reset_filtering),
          resetScheduling: Boolean(flags.resetScheduling || flags.reset_scheduling),
          resetRunners: Boolean(flags.resetRunners || flags.reset_runners),
          toolNameOverride: Boolean(flags.toolNameOverride || flags.tool_name_override),
          comm,
        });
        // Batches failed: the work is not done (the message says so and where to look).
        if (!result.completed) process.exitCode = 1;
      }).catch((err: unknown) => {
        throw err instanceof LauncherError ? new UsageError(err.message) : err;
      });
    });
  });

program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
await program.parseAsync(process.argv);
