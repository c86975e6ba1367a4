/** The package version, read once from package.json (used in the User-Agent and --version). */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  // dist/src/version.js and src/version.ts both sit two folders below the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export const VERSION = readVersion();
