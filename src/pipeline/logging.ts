/** pino JSON logs, one file per stage, round and rank under the logs folder. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { Layout, Stage } from './layout.js';

/** The Python tool's level names mapped onto pino's. */
const LEVELS: Record<string, pino.Level> = {
  TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARNING: 'warn', WARN: 'warn', ERROR: 'error', CRITICAL: 'fatal', FATAL: 'fatal',
};

/** `stage` is a download stage or any other folder under logs/ (the tools use `tools/<tool>/<stage>`). */
export function stageLogger(layout: Layout, stage: Stage | string, round: number, rank: number, level: string): Logger {
  const file = layout.logFile(stage, round, rank);
  mkdirSync(path.dirname(file), { recursive: true });
  // Synchronous writes: a killed run must still leave its last lines in the log.
  return pino({ level: LEVELS[level] ?? 'info', base: { stage, round, rank } }, pino.destination({ dest: file, sync: true }));
}
