/**
 * The job scripts: the templates in the package's `slurm/` folder (or your copies, `slurm.templates`)
 * with their {{NAME}} fields filled in. A field the filler does not know is refused, so that a
 * misspelt field in a copied template is found before any job is queued.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../config/index.js';
import { UsageError } from '../pipeline/errors.js';

/** One template per kind of job. */
export const TEMPLATES = ['init', 'profile', 'schedule', 'download', 'verify', 'tools'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

/** The package's own templates, seen from dist/src/slurm/ (compiled) or src/slurm/ (run from source). */
function packageTemplates(): string {
  const candidates = ['../../../slurm/', '../../slurm/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((dir) => existsSync(path.join(dir, 'download.sbatch'))) ?? candidates[0]!;
}

export function templateDir(config: LoadedConfig): string {
  const own = config.slurm.templates;
  return own ? path.resolve(path.dirname(config.config_path), own) : packageTemplates();
}

/** A word as one shell argument, whatever it holds. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const FIELD = /\{\{([A-Z_]+)\}\}/g;

/** `text` with every {{NAME}} replaced by `values[NAME]`; `source` names the template in errors. */
export function fillTemplate(text: string, values: Readonly<Record<string, string>>, source: string): string {
  const unknown = new Set<string>();
  const filled = text.replace(FIELD, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) unknown.add(name);
    return value ?? whole;
  });
  if (unknown.size > 0) {
    throw new UsageError(
      `${source}: unknown field${unknown.size > 1 ? 's' : ''} ${[...unknown].map((n) => `{{${n}}}`).join(', ')}; ` +
        `known fields: ${Object.keys(values).map((n) => `{{${n}}}`).join(', ')}`,
    );
  }
  return filled;
}

/** A template filled in; the file is read from `templateDir(config)`. */
export function renderTemplate(config: LoadedConfig, name: TemplateName, values: Readonly<Record<string, string>>): string {
  const file = path.join(templateDir(config), `${name}.sbatch`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the job template ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); see slurm.templates`);
  }
  return fillTemplate(text, values, file);
}
