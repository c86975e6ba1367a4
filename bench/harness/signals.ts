/**
 * Clients run in child processes (the pipeline, aria2c), each killed by an 'exit' handler of this
 * process. Ctrl-C or a kill would end this process without running them, so turn those into an exit.
 */
export function exitOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
}
