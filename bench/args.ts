/** Command-line values shared by the benchmarks and the farm. */
import { InvalidArgumentError } from 'commander';
import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from './farm/scenarios.js';

/** `text` as a number > 0, for node:util parseArgs; the error names the option. */
export function positiveNumber(name: string, text: string): number {
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`--${name} must be a positive number, got ${text}`);
  return n;
}

/** commander option parser: a number > 0. */
export function positiveOption(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('expected a number > 0');
  return n;
}

/** commander option parser factory: a whole number >= `min` (0 where it means "any", as a port). */
export function wholeOption(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(Number.isInteger(n) && n >= min)) throw new InvalidArgumentError(`expected a whole number >= ${min}`);
    return n;
  };
}

/** commander option parser: a farm scenario's name. */
export function scenarioOption(value: string): ScenarioName {
  if (!isScenarioName(value)) throw new InvalidArgumentError(`expected one of ${SCENARIO_NAMES.join(', ')}`);
  return value;
}
