#!/usr/bin/env node
// Builds the optional MPI binding (native/ → native/build/Release/dd_mpi.node) with node-gyp.
//
//   node scripts/build-mpi.mjs             build; without MPI headers or a compiler, explain in one
//                                          line and exit 0 (npm install must not fail: the tool then
//                                          runs as a single process)
//   node scripts/build-mpi.mjs --required  the same, but fail when the binding cannot be built
//   node scripts/build-mpi.mjs --flags compile|link   the MPI compiler flags (binding.gyp asks)
//
// Plain JavaScript, not TypeScript: it runs at `npm install`, before anything is compiled.
// The flags come from the MPI C compiler wrapper (`mpicc`, or $MPICC): OpenMPI answers
// `--showme:compile` / `--showme:link`, MPICH `-compile_info` / `-link_info`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const logFile = path.join(nativeDir, 'build', 'build-mpi.log');
const mpicc = process.env.MPICC || 'mpicc';

function wrapperOutput(args) {
  try {
    return execFileSync(mpicc, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Compiler (`-I`, `-D`, `-pthread`) or linker (`-L`, `-l`, `-Wl,…`) flags of the MPI installation. */
function mpiFlags(kind) {
  const openmpi = wrapperOutput([kind === 'compile' ? '--showme:compile' : '--showme:link']);
  if (openmpi !== null) return openmpi.split(/\s+/).filter(Boolean);
  const mpich = wrapperOutput([kind === 'compile' ? '-compile_info' : '-link_info']);
  if (mpich === null) return null;
  // MPICH prints a whole command line: drop the compiler and keep the flags of the requested kind.
  const flags = mpich.split(/\s+/).slice(1);
  const isLink = (f) => f.startsWith('-L') || f.startsWith('-l') || f.startsWith('-Wl,');
  return flags.filter((f) => (kind === 'link' ? isLink(f) : f.startsWith('-I') || f.startsWith('-D') || f === '-pthread'));
}

/** The node-gyp npm runs scripts with, else a local one, else the one bundled with npm. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    return existsSync(bundled) ? bundled : null;
  }
}

function build(required) {
  const explain = (why) => {
    const line =
      `distributed-downloader: MPI support not built (${why}). The tool runs as a single process; ` +
      'for mpirun/srun install an MPI (e.g. `apt-get install openmpi-bin libopenmpi-dev`, or bash scripts/setup.sh) ' +
      'and run `npm run build:mpi`.';
    process.stderr.write(`${line}\n`);
    process.exit(required ? 1 : 0);
  };
  const compile = mpiFlags('compile');
  if (compile === null) return explain(`no MPI compiler wrapper: \`${mpicc}\` not found`);
  const includeDirs = compile.filter((f) => f.startsWith('-I')).map((f) => f.slice(2));
  if (includeDirs.length > 0 && !includeDirs.some((dir) => existsSync(path.join(dir, 'mpi.h')))) {
    return explain(`mpi.h not found in ${includeDirs.join(', ')}`);
  }
  const gyp = nodeGyp();
  if (gyp === null) return explain('node-gyp not found');
  const env = { ...process.env };
  // Offline builds need the Node headers installed with Node itself; /usr has them on Debian.
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  const command = gyp.endsWith('.js') ? [process.execPath, gyp] : [gyp];
  const result = spawnSync(command[0], [...command.slice(1), 'rebuild', `--directory=${nativeDir}`], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  mkdirSync(path.dirname(logFile), { recursive: true });
  writeFileSync(logFile, `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`);
  if (result.status !== 0) return explain(`node-gyp failed, see ${path.relative(process.cwd(), logFile) || logFile}`);
  process.stderr.write(`distributed-downloader: MPI binding built (${path.join('native', 'build', 'Release', 'dd_mpi.node')})\n`);
}

const args = process.argv.slice(2);
const flagsAt = args.indexOf('--flags');
if (flagsAt >= 0) {
  const kind = args[flagsAt + 1];
  if (kind !== 'compile' && kind !== 'link') {
    process.stderr.write('usage: build-mpi.mjs --flags compile|link\n');
    process.exit(2);
  }
  const flags = mpiFlags(kind);
  if (flags === null) {
    process.stderr.write(`build-mpi: \`${mpicc}\` not found\n`);
    process.exit(1);
  }
  process.stdout.write(`${flags.join(' ')}\n`);
} else {
  build(args.includes('--required'));
}
