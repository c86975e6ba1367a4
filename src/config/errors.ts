/** A configuration the tool refuses. The CLI prints `message` and exits with EXIT_CONFIG. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** One line per problem, each naming the key, the value and what is allowed. */
    readonly problems: string[],
    readonly configPath?: string,
  ) {
    super(`${configPath ? `invalid configuration ${configPath}` : 'invalid configuration'}:\n  ${problems.join('\n  ')}`);
  }
}

/** Exit code for a refused configuration or command line (the usual "usage error" code). */
export const EXIT_CONFIG = 2;
