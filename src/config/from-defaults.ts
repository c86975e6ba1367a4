/**
 * Builds a strict schema from an options object of defaults (the controller, engine and image
 * options declare their defaults where their interfaces are, so the schema is derived from them
 * instead of repeating them). Numbers must be finite and ≥ 0 unless an override says otherwise;
 * enums and other special cases are given as overrides.
 */
import { z } from 'zod';

type Defaults = { readonly [key: string]: unknown };
export type Overrides = { readonly [key: string]: z.ZodType | Overrides };

function isPlainObject(v: unknown): v is Defaults {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function schemaForValue(value: unknown, override: z.ZodType | Overrides | undefined): z.ZodType {
  if (override instanceof z.ZodType) return override;
  if (isPlainObject(value)) return schemaFromDefaults(value, override as Overrides | undefined);
  switch (typeof value) {
    case 'number':
      return z.number().min(0);
    case 'boolean':
      return z.boolean();
    case 'string':
      return z.string();
    default:
      throw new Error(`schemaFromDefaults: no schema for default ${JSON.stringify(value)}; give an override`);
  }
}

export function schemaFromDefaults(defaults: Defaults, overrides: Overrides = {}): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, value] of Object.entries(defaults)) {
    const inner = schemaForValue(value, overrides[key]);
    shape[key] = isPlainObject(value) ? inner : inner.default(value as never);
  }
  return z.strictObject(shape).prefault({});
}
