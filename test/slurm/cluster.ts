/**
 * A real single-node Slurm for tests, set up as scripts/setup.sh installs it on this platform
 * (DESIGN §2): munged with its own key and socket folder, slurmctld and slurmd as root without
 * systemd, state and spool folders in a temporary folder. Every daemon is a child of the test and
 * is stopped by its pid. Missing binaries fail the test with the remedy, never skip it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Daemons live in sbin, which a non-login PATH may lack. */
const SEARCH_PATH = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'].filter(Boolean);
const PROGRAMS = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'] as const;

function locate(program: string): string | undefined {
  return SEARCH_PATH.map((dir) => path.join(dir, program)).find((file) => existsSync(file));
}

/** Throws, with the remedy, when Slurm or munge is not installed. */
export function requireSlurm(): void {
  const missing = PROGRAMS.filter((p) => locate(p) === undefined);
  if (missing.length > 0) {
    throw new Error(`Slurm is not installed (missing ${missing.join(', ')}): run \`bash scripts/setup.sh\` (it installs slurm-wlm and munge)`);
  }
}

export interface JobRow {
  id: string;
  state: string;
  name: string;
  /** Time used, in Slurm's notation. */
  elapsed: string;
}

export interface SlurmCluster {
  readonly dir: string;
  /** What Slurm's commands (and the CLI that runs them) need: SLURM_CONF. */
  readonly env: NodeJS.ProcessEnv;
  /** Every job the controller knows of, finished ones included. */
  jobs(): JobRow[];
  /** Waits until no job is pending or running; throws after `timeoutMs`. */
  waitIdle(timeoutMs: number): Promise<JobRow[]>;
  /** Waits until job `id` has ended; throws after `timeoutMs`. */
  waitEnded(id: string, timeoutMs: number): Promise<JobRow>;
  /** Runs a Slurm command against this cluster. */
  run(program: string, args: readonly string[]): string;
  stop(): Promise<void>;
}

const ACTIVE = /^(PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED|RESIZING|SIGNALING|STAGE_OUT|STOPPED)/;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(what: string, timeoutMs: number, check: () => boolean, log?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      const tail = log && existsSync(log) ? `\n${readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')}` : '';
      throw new Error(`${what} did not happen within ${timeoutMs} ms${tail}`);
    }
    await sleep(100);
  }
}

function slurmConf(dir: string, ports: { ctld: number; slurmd: number }, socket: string): string {
  const host = hostname().split('.')[0]!;
  return [
    'ClusterName=ddtest',
    `SlurmctldHost=${host}(127.0.0.1)`,
    `SlurmctldPort=${ports.ctld}`,
    `SlurmdPort=${ports.slurmd}`,
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${socket}`,
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`,
    `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/log/slurmctld.log`,
    `SlurmdLogFile=${dir}/log/slurmd.log`,
    // No systemd and no cgroups here: processes tracked by their parentage, tasks not bound.
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_CPU',
    'MpiDefault=pmix',
    'SchedulerType=sched/backfill',
    // A job whose dependency ends starts at once, not at the next batch scheduling pass (3 s by default).
    'SchedulerParameters=batch_sched_delay=0,sched_min_interval=0',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/none',
    'ReturnToService=2',
    'KillWait=5',
    // The node offers 4 CPUs whatever the machine has, so 2-rank jobs fit on a 1-core runner too.
    'SlurmdParameters=config_overrides',
    `NodeName=${host} NodeAddr=127.0.0.1 CPUs=4 RealMemory=2000 State=UNKNOWN`,
    `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
    '',
  ].join('\n');
}

/** Stops a daemon started by `start` (SIGTERM, then SIGKILL if it lingers). */
async function stopDaemon(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

export async function startSlurm(): Promise<SlurmCluster> {
  requireSlurm();
  const dir = mkdtempSync(path.join(tmpdir(), 'dd-slurm-'));
  chmodSync(dir, 0o755);
  for (const sub of ['munge', 'state', 'spool', 'log']) mkdirSync(path.join(dir, sub), { mode: 0o755 });
  const munge = path.join(dir, 'munge');
  const socket = path.join(munge, 'munge.socket');
  const conf = path.join(dir, 'slurm.conf');
  const env: NodeJS.ProcessEnv = { SLURM_CONF: conf };
  const daemons: ChildProcess[] = [];
  const start = (program: string, args: readonly string[], name: string): void => {
    const out = openSync(path.join(dir, 'log', `${name}.out`), 'a');
    const child = spawn(locate(program)!, args, { env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
    closeSync(out);
    daemons.push(child);
  };
  const run = (program: string, args: readonly string[]): string =>
    execFileSync(locate(program)!, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  const stop = async (): Promise<void> => {
    // Jobs first, so that no task outlives the daemons that track it.
    try {
      run('scancel', ['--full', '--user=root']);
      await waitFor('the end of every job', 10_000, () => !run('squeue', ['--noheader', '--format=%T']).trim());
    } catch {
      // The controller may be the daemon that failed: stop what runs anyway.
    }
    for (const child of [...daemons].reverse()) await stopDaemon(child);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    execFileSync(locate('mungekey')!, ['--create', `--keyfile=${path.join(munge, 'munge.key')}`]);
    start('munged', [
      '--foreground',
      `--socket=${socket}`,
      `--key-file=${path.join(munge, 'munge.key')}`,
      `--pid-file=${path.join(munge, 'munged.pid')}`,
      `--log-file=${path.join(munge, 'munged.log')}`,
      `--seed-file=${path.join(munge, 'munged.seed')}`,
    ], 'munged');
    await waitFor('munged listening', 10_000, () => existsSync(socket), path.join(munge, 'munged.log'));
    writeFileSync(conf, slurmConf(dir, { ctld: await freePort(), slurmd: await freePort() }, socket));
    start('slurmctld', ['-D', '-f', conf], 'slurmctld');
    start('slurmd', ['-D', '-f', conf], 'slurmd');
    await waitFor('the node to be idle', 20_000, () => {
      try {
        return run('sinfo', ['--noheader', '--format=%t']).trim() === 'idle';
      } catch {
        return false;
      }
    }, path.join(dir, 'log', 'slurmctld.log'));
  } catch (err) {
    await stop();
    throw err;
  }

  const jobs = (): JobRow[] =>
    run('squeue', ['--noheader', '--states=all', '--format=%i|%T|%j|%M'])
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const [id = '', state = '', name = '', elapsed = ''] = l.trim().split('|');
        return { id, state, name, elapsed };
      });
  return {
    dir,
    env,
    jobs,
    run,
    stop,
    async waitIdle(timeoutMs) {
      await waitFor('the end of every job', timeoutMs, () => !jobs().some((j) => ACTIVE.test(j.state)));
      return jobs();
    },
    async waitEnded(id, timeoutMs) {
      const find = () => jobs().find((j) => j.id === id);
      await waitFor(`the end of job ${id}`, timeoutMs, () => {
        const job = find();
        return job !== undefined && !ACTIVE.test(job.state);
      });
      return find()!;
    },
  };
}
