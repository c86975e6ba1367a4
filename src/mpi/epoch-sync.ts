/**
 * The epoch exchange (DESIGN §6–§7). Every epoch each rank contributes, for the hosts that more than
 * one rank works on, its statistics (summed over ranks) and Retry-After (maximized), its demand, its
 * clock and whether it is done. Every rank then runs the same controller on the same totals at the
 * same time, so all agree on each host's limit, and each takes its own max-min fair share. Hosts one
 * rank owns alone are decided from that rank's own statistics, without traffic.
 */
import {
  Controller,
  SUM_WIDTH,
  MAX_WIDTH,
  decodeHosts,
  encodeHosts,
  splitDecision,
  type HostDecision,
  type HostEpochStats,
  type HostShare,
} from '../controller/index.js';
import type { Communicator } from './communicator.js';

export interface EpochResult {
  /** This rank's share of every host it knows. */
  shares: Map<string, HostShare>;
  /** The global decision of every host it knows. */
  decisions: Map<string, HostDecision>;
  /** Every rank reported done: all leave together. */
  allDone: boolean;
  /** The epoch time all ranks used (the latest of their clocks). */
  nowMs: number;
}

export interface EpochSyncOptions {
  /** Hosts worked on by more than one rank, in the same order on every rank. */
  sharedHosts: readonly string[];
  /** The most a rank asks for per host (its demand is min(backlog + in-flight, cap)). */
  demandCap: number;
}

export class EpochSync {
  private readonly shared: readonly string[];
  /** Position of each shared host in the exchanged vectors. */
  private readonly sharedIndex: ReadonlyMap<string, number>;

  constructor(
    private readonly comm: Communicator,
    private readonly controller: Controller,
    private readonly opts: EpochSyncOptions,
  ) {
    this.shared = opts.sharedHosts;
    this.sharedIndex = new Map(opts.sharedHosts.map((host, i) => [host, i]));
  }

  private demand(stats: HostEpochStats | undefined): number {
    if (!stats) return 0;
    return Math.min(this.opts.demandCap, Math.ceil(stats.backlog + stats.inflightAvg));
  }

  async epoch(nowMs: number, local: ReadonlyMap<string, HostEpochStats>, done: boolean): Promise<EpochResult> {
    const { rank, size } = this.comm;
    const h = this.shared.length;
    const encoded = encodeHosts(this.shared, local);
    // One SUM vector: shared stats, then each rank's demand in its own slot, then the done count.
    const sum = new Float64Array(h * SUM_WIDTH + h * size + 1);
    sum.set(encoded.sum, 0);
    this.shared.forEach((host, i) => (sum[h * SUM_WIDTH + i * size + rank] = this.demand(local.get(host))));
    sum[sum.length - 1] = done ? 1 : 0;
    // One MAX vector: Retry-After of shared hosts, then the clock.
    const max = new Float64Array(h * MAX_WIDTH + 1);
    max.set(encoded.max, 0);
    max[max.length - 1] = nowMs;

    // Collectives one after the other: two in flight on one communicator corrupt each other.
    const sumAll = await this.comm.allreduce(sum, 'sum');
    const maxAll = await this.comm.allreduce(max, 'max');
    const now = maxAll[maxAll.length - 1]!;
    const allDone = sumAll[sumAll.length - 1]! >= size;

    const global = decodeHosts(this.shared, { sum: sumAll.subarray(0, h * SUM_WIDTH), max: maxAll.subarray(0, h * MAX_WIDTH) });
    for (const [host, stats] of local) if (!this.sharedIndex.has(host)) global.set(host, stats);
    const epoch = this.controller.epoch;
    const decisions = this.controller.step(now, global);

    const shares = new Map<string, HostShare>();
    for (const [host, decision] of decisions) {
      const i = this.sharedIndex.get(host);
      if (i === undefined) {
        shares.set(host, { ...decision });
        continue;
      }
      const demands = Array.from(sumAll.subarray(h * SUM_WIDTH + i * size, h * SUM_WIDTH + (i + 1) * size));
      shares.set(host, splitDecision(decision, demands, epoch)[rank]!);
    }
    return { shares, decisions, allDone, nowMs: now };
  }
}
