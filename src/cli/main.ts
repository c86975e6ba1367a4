/** What both command-line programs share: turning typed errors into messages and exit codes. */
import { ConfigError, EXIT_CONFIG } from '../config/index.js';
import { InputFormatError } from '../io/input.js';
import { UsageError } from '../pipeline/errors.js';

/** Runs a CLI body; a refused configuration or request exits 2, bad input or a failure exits 1. */
export async function runCli(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = EXIT_CONFIG;
    } else if (err instanceof InputFormatError) {
      process.stderr.write(`error: bad input: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  }
}
