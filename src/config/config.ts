/** The whole configuration schema and its type. */
import { z } from 'zod';
import { baseConfigSchema } from './schema.js';

export const configSchema = baseConfigSchema;
export type Config = z.output<typeof configSchema>;
