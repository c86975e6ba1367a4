/** The package's name and version, read once from package.json (User-Agent, --version). */
import { readFileSync } from 'node:fs';

interface PackageJson {
  version: string;
  homepage?: string;
}

// Compiled, this file is dist/src/version.js: package.json is two folders up.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson;

export const VERSION = pkg.version;
/** Where server operators can read about the tool, when package.json names it. */
export const HOMEPAGE = pkg.homepage;
