#!/usr/bin/env node
/** `distributed-downloader-tools <config.yaml> <tool>`: the post-processing tools pipeline. */
import { Command, Option } from 'commander';
import { applyTools } from '../api.js';
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
  .description('Apply a post-processing tool (filter → schedule → run) to a finished download.')
  .version(VERSION)
  .argument('<config>', 'YAML configuration file (the one used for the download)')
  .argument('<tool>', 'tool name')
  .option('--reset-filtering', 'restart the whole tool pipeline')
  .addOption(new Option('--reset_filtering').hideHelp())
  .option('--reset-scheduling', 'keep the filtered data, redo scheduling and runners')
  .addOption(new Option('--reset_scheduling').hideHelp())
  .option('--reset-runners', 'keep the schedule, restart the runners')
  .addOption(new Option('--reset_runners').hideHelp())
  .option('--tool-name-override', 'allow a tool name that is not registered (registered by a plugin later)')
  .addOption(new Option('--tool_name_override').hideHelp())
  .showHelpAfterError()
  .action(async (config: string, tool: string, flags: Flags) => {
    await runCli(async () => {
      await applyTools(config, tool, {
        resetFiltering: Boolean(flags.resetFiltering || flags.reset_filtering),
        resetScheduling: Boolean(flags.resetScheduling || flags.reset_scheduling),
        resetRunners: Boolean(flags.resetRunners || flags.reset_runners),
        toolNameOverride: Boolean(flags.toolNameOverride || flags.tool_name_override),
      });
    });
  });

program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
await program.parseAsync(process.argv);
