/** Where benchmark and demo output goes by default: `out/` in the repository (gitignored). */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, from this module's place in dist/bench/harness/. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function outDir(...parts: string[]): string {
  return path.join(REPO_ROOT, 'out', ...parts);
}
