/**
 * The farm: starts every virtual host of a scenario plan on its loopback address, serves its URLs
 * through one shared HTTP parser, samples in-flight counts, and exposes statistics.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import { Exchange, type FarmContext, type HostRuntime } from './exchange.js';
import { HostGate } from './gate.js';
import { oracleRps } from './host-spec.js';
import { HostStats } from './host-stats.js';
import { loadImages, type ImageSet } from './images.js';
import { closeServer, freePort, listenAll } from './listen.js';
import type { HostPlan, ScenarioPlan } from './plan.js';
import { farmReport, type FarmReport, type RuntimeWithOracle } from './report.js';
import { createRng, deriveSeed } from './rng.js';
import { startStatsServer } from './stats-server.js';
import { urlRows, writeUrlList, type UrlRow } from './url-list.js';

export interface FarmOptions {
  /** Port every host listens on (each on its own address). Default 0: one free port chosen for all. */
  port?: number;
  /** Port of the stats endpoint on 127.0.0.1. Default 0 (any free port). */
  statsPort?: number;
  /** Period of the in-flight time series, ms. Default 100. */
  sampleMs?: number;
  /**
   * Most values kept per in-flight series before pairs are merged and the period doubles.
   * Default min(600, 2,000,000 / hosts), so 10,000 hosts keep 200 values each.
   */
  seriesLength?: number;
  /** Longest a hanging or stalled response keeps its connection before the farm drops it, ms. Default 300,000. */
  maxHoldMs?: number;
}

export interface Farm {
  readonly plan: ScenarioPlan;
  /** The port all hosts share. */
  readonly port: number;
  readonly rows: readonly UrlRow[];
  /** Every URL of the plan, in row order. */
  readonly urls: readonly string[];
  /** `http://127.0.0.1:<port>/stats`; POST to `${statsUrl}/reset` to reset. */
  readonly statsUrl: string;
  /** Statistics since start or the last reset; `series: false` leaves out the in-flight series. Default true. */
  stats(options?: { series?: boolean }): FarmReport;
  /** Restarts the counters; queues, token buckets and requests in flight carry on. */
  resetStats(): void;
  writeUrlList(file: string): Promise<void>;
  /** Closes every listener and connection; pending timers go with their connections. */
  stop(): Promise<void>;
}

/** Mean body size of the host's URLs; only throttled bodies make it matter to the oracle. */
function meanBodyBytes(host: HostPlan, images: ImageSet): number {
  if (host.urls.length === 0) return 0;
  let sum = 0;
  for (const url of host.urls) {
    if (url.kind === 'img' || url.kind === 'redirect') sum += images[url.variant].bytes.length;
  }
  return sum / host.urls.length;
}

export async function startFarm(plan: ScenarioPlan, options: FarmOptions = {}): Promise<Farm> {
  const sampleMs = options.sampleMs ?? 100;
  const seriesLength = options.seriesLength ?? Math.min(600, Math.floor(2_000_000 / Math.max(1, plan.hosts.length)));
  const images = await loadImages();
  const ctx: FarmContext = { images, maxHoldMs: options.maxHoldMs ?? 300_000 };
  const hostOf = new WeakMap<Socket, HostRuntime>();
  const sockets = new Set<Socket>();
  const http = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const host = hostOf.get(req.socket);
    if (host) Exchange.handle(ctx, host, req, res);
    else req.socket.destroy();
  });
  // A client that resets mid-request needs no 400 written back.
  http.on('clientError', (_err, socket) => socket.destroy());

  // Runtimes need the port, which is known only once bound; connections arriving before are dropped.
  const byAddress = new Map<string, HostRuntime>();
  const listeners = plan.hosts
    .filter((host) => !host.spec.refuse)
    .map(({ address }) => ({
      address,
      onSocket: (socket: Socket): void => {
        const runtime = byAddress.get(address);
        if (!runtime) return void socket.destroy();
        hostOf.set(socket, runtime);
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        http.emit('connection', socket);
      },
    }));
  const requestedPort = options.port ?? 0;
  let servers: Server[] = [];
  let port: number;
  if (listeners.length > 0) {
    ({ port, servers } = await listenAll(listeners, requestedPort));
  } else {
    port = requestedPort || (await freePort(plan.hosts[0]?.address ?? '127.0.1.1'));
  }

  const start = performance.now();
  const total = new HostStats(start, sampleMs, seriesLength);
  const hosts: RuntimeWithOracle[] = plan.hosts.map((host) => {
    const runtime: HostRuntime = {
      plan: host,
      spec: host.spec,
      origin: `http://${host.address}:${port}`,
      gate: new HostGate<Exchange>(host.spec.capacity, host.spec.queueLimit, host.spec.rateLimit, start),
      stats: new HostStats(start, sampleMs, seriesLength, host.spec.capacity, total),
      rng: createRng(deriveSeed(plan.seed, host.index)),
    };
    byAddress.set(host.address, runtime);
    return { runtime, oracleRps: oracleRps(host.spec, meanBodyBytes(host, images)) };
  });

  let since = start;
  const report = (withSeries: boolean): FarmReport =>
    farmReport({ scenario: plan.name, seed: plan.seed, port, since, total, hosts }, performance.now(), withSeries);
  const reset = (): void => {
    since = performance.now();
    total.reset(since);
    for (const { runtime } of hosts) runtime.stats.reset(since);
  };

  const sampler = setInterval(() => {
    const now = performance.now();
    total.load.tick(now);
    for (const { runtime } of hosts) runtime.stats.load.tick(now);
  }, sampleMs);
  sampler.unref();

  const statsServer = await startStatsServer({ report, reset }, options.statsPort ?? 0).catch(async (err: unknown) => {
    clearInterval(sampler);
    await Promise.all(servers.map(closeServer));
    throw err;
  });

  const rows = urlRows(plan, port);
  let stopped: Promise<void> | undefined;
  return {
    plan,
    port,
    rows,
    urls: rows.map((r) => r.identifier),
    statsUrl: statsServer.url,
    stats: (opts) => report(opts?.series ?? true),
    resetStats: reset,
    writeUrlList: (file) => writeUrlList(rows, file),
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(sampler);
        const closing = servers.map(closeServer);
        for (const socket of sockets) socket.destroy();
        await Promise.all([...closing, statsServer.close()]);
      })()),
  };
}
