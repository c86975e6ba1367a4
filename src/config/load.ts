/** Loading a configuration file: YAML → aliases → schema (defaults, validation) → resolved paths. */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { configSchema, type Config } from './config.js';
import { KEY_ALIASES } from './schema.js';

export interface LoadedConfig extends Config {
  /** Absolute path of the file this configuration came from. */
  readonly config_path: string;
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  const s = JSON.stringify(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of keys) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** The known keys of the object schema at `keys`, for "allowed: …" in unknown-key messages. */
function allowedKeysAt(schema: z.ZodType, keys: readonly PropertyKey[]): string[] {
  let s: z.core.$ZodType | undefined = schema;
  const unwrap = (t: z.core.$ZodType): z.core.$ZodType => {
    let cur = t;
    for (;;) {
      const def = cur._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
      if (def.innerType) cur = def.innerType;
      else if (def.type === 'pipe' && def.in) cur = def.in;
      else return cur;
    }
  };
  for (const k of keys) {
    if (!s) return [];
    const def = unwrap(s)._zod.def as { type: string; shape?: Record<string, z.core.$ZodType> };
    s = def.shape?.[String(k)];
  }
  if (!s) return [];
  const def = unwrap(s)._zod.def as { shape?: Record<string, z.core.$ZodType> };
  return Object.keys(def.shape ?? {});
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  const key = issue.path.map(String).join('.') || '(top level)';
  const value = valueAt(raw, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(configSchema, issue.path);
      return issue.keys.map(
        (k) => `${issue.path.length ? `${key}.` : ''}${k}: unknown key; allowed here: ${allowed.join(', ')}`,
      );
    }
    case 'too_small':
      return [`${key} = ${show(value)}: must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`];
    case 'too_big':
      return [`${key} = ${show(value)}: must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`];
    case 'invalid_value':
      return [`${key} = ${show(value)}: allowed values are ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`];
    case 'invalid_type':
      if (value === undefined) return [`${key}: required key is missing (expected ${issue.expected})`];
      return [`${key} = ${show(value)}: expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}`];
    case 'invalid_union': {
      const expected = issue.errors.flat().map((e) => (e.code === 'invalid_type' ? e.expected : e.message));
      return [`${key} = ${show(value)}: expected ${[...new Set(expected)].join(' or ')}`];
    }
    case 'invalid_format':
      return [`${key} = ${show(value)}: expected ${issue.message}`];
    case 'invalid_key':
      return [`${key}: key ${show(issue.path.at(-1))} is not allowed: ${issue.issues.map((i) => i.message).join('; ')}`];
    default:
      return [`${key} = ${show(value)}: ${issue.message}`];
  }
}

/** Applies KEY_ALIASES at the top level; giving both spellings with different values is an error. */
function applyAliases(raw: Record<string, unknown>, problems: string[]): Record<string, unknown> {
  const out = { ...raw };
  for (const [alias, key] of Object.entries(KEY_ALIASES)) {
    if (!(alias in out)) continue;
    if (key in out && out[key] !== out[alias]) {
      problems.push(`${alias} = ${show(out[alias])}: conflicts with ${key} = ${show(out[key])}; give only one`);
    } else {
      out[key] = out[alias];
    }
    delete out[alias];
  }
  return out;
}

/** Validates an already-parsed configuration object. Relative paths are resolved against `baseDir`. */
export function validateConfig(raw: unknown, configPath: string): LoadedConfig {
  const absConfig = path.resolve(configPath);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError([`the file must hold a YAML mapping of keys, not ${show(raw)}`], absConfig);
  }
  const problems: string[] = [];
  const aliased = applyAliases(raw as Record<string, unknown>, problems);
  const result = configSchema.safeParse(aliased);
  if (!result.success) for (const issue of result.error.issues) problems.push(...describeIssue(issue, aliased));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems, absConfig);

  const baseDir = path.dirname(absConfig);
  const config: LoadedConfig = {
    ...result.data,
    path_to_input: path.resolve(baseDir, result.data.path_to_input),
    path_to_output: path.resolve(baseDir, result.data.path_to_output),
    config_path: absConfig,
  };
  checkInput(config.path_to_input, absConfig);
  return config;
}

function checkInput(input: string, configPath: string): void {
  let isFile = false;
  try {
    isFile = statSync(input).isFile();
  } catch {
    throw new ConfigError([`path_to_input = ${show(input)}: no such file`], configPath);
  }
  if (!isFile) throw new ConfigError([`path_to_input = ${show(input)}: not a regular file`], configPath);
}

export function loadConfig(configPath: string): LoadedConfig {
  const abs = path.resolve(configPath);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([`cannot read the configuration file (${code ?? String(err)})`], abs);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message.split('\n')[0] : String(err);
    throw new ConfigError([`not valid YAML: ${msg}`], abs);
  }
  return validateConfig(raw ?? {}, abs);
}
