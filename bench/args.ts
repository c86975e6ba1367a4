/** Command-line values of the benchmarks that parse their arguments with node:util parseArgs. */

/** `text` as a number > 0; the error names the option. */
export function positiveNumber(name: string, text: string): number {
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`--${name} must be a positive number, got ${text}`);
  return n;
}
