/**
 * The epoch exchange (DESIGN §6–§7). Every epoch each rank contributes, for the hosts that more than
 * one rank works on, its statistics (summed over ranks) and Retry-After (maximized), its demand, its
 * clock and whether it is done. Every rank then runs the same controller on the same totals at the
 * same time, so all agree on each host's limit, and each takes its own max-min fair share: the
 * shares of a host never add up to more than its limit. Hosts one rank owns alone are decided from
 * that rank's own statistics, without traffic.
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
  /**
   * Hosts worked on by more than one rank, each with those ranks in ascending order; identical on
   * every rank (all derive it from the same schedule). Only these hosts are exchanged.
   */
  sharedHosts: ReadonlyMap<string, readonly number[]>;
  /** The most a rank asks for per host (its demand is min(backlog + in-flight, cap)). */
  demandCap: number;
  /** Longest wait for the other ranks at one exchange, ms (0 = none); then the job is aborted. */
  timeoutMs?: number;
}

interface SharedHost {
  host: string;
  ranks: readonly number[];
  /** Where this host's demand slots (one per rank on it) start in the SUM vector. */
  demandAt: number;
}

export class EpochSync {
  private readonly shared: readonly SharedHost[];
  private readonly byHost: ReadonlyMap<string, SharedHost>;
  private readonly names: readonly string[];
  /** Length of the SUM vector: statistics, demand slots, the done count. */
  private readonly sumLength: number;
  /** This rank's shares from the last exchange; none before the first. */
  private last: Map<string, HostShare> | undefined;

  constructor(
    private readonly comm: Communicator,
    private readonly controller: Controller,
    private readonly opts: EpochSyncOptions,
  ) {
    // Sorted, so that every rank lays out the vectors alike whatever order the map was built in.
    this.names = [...opts.sharedHosts.keys()].sort();
    let at = this.names.length * SUM_WIDTH;
    this.shared = this.names.map((host) => {
      const ranks = opts.sharedHosts.get(host)!;
      const entry = { host, ranks, demandAt: at };
      at += ranks.length;
      return entry;
    });
    this.sumLength = at + 1;
    this.byHost = new Map(this.shared.map((s) => [s.host, s]));
  }

  /**
   * The share a host starts with when this rank first queues work for it. A host of this rank alone
   * gets the whole decision. A shared host gets this rank's share from the last exchange (0 if it
   * asked for nothing then: the others may hold the whole limit until the next exchange); before
   * the first exchange, every rank on it takes an equal part of the common starting decision.
   */
  share(host: string, nowMs: number): HostShare {
    const decision = this.controller.decision(host, nowMs);
    const entry = this.byHost.get(host);
    if (!entry) return { ...decision };
    const index = entry.ranks.indexOf(this.comm.rank);
    if (index < 0) return { ...decision, limit: 0, pacingRate: 0 };
    const known = this.last?.get(host);
    if (known) return { ...known };
    return splitDecision(decision, entry.ranks.map(() => Number.MAX_SAFE_INTEGER), 0)[index]!;
  }

  private demand(stats: HostEpochStats | undefined): number {
    if (!stats) return 0;
    return Math.min(this.opts.demandCap, Math.ceil(stats.backlog + stats.inflightAvg));
  }

  async epoch(nowMs: number, local: ReadonlyMap<string, HostEpochStats>, done: boolean): Promise<EpochResult> {
    const { rank } = this.comm;
    const h = this.names.length;
    const encoded = encodeHosts(this.names, local);
    // One SUM vector: shared stats, then the demand of each rank on each shared host in its own
    // slot (summing zeros elsewhere gathers them), then the done count.
    const sum = new Float64Array(this.sumLength);
    sum.set(encoded.sum, 0);
    for (const { host, ranks, demandAt } of this.shared) {
      const slot = ranks.indexOf(rank);
      if (slot >= 0) sum[demandAt + slot] = this.demand(local.get(host));
    }
    sum[sum.length - 1] = done ? 1 : 0;
    // One MAX vector: Retry-After of shared hosts, then the clock.
    const max = new Float64Array(h * MAX_WIDTH + 1);
    max.set(encoded.max, 0);
    max[max.length - 1] = nowMs;

    // Collectives one after the other: two in flight on one communicator corrupt each other.
    const wait = { timeoutMs: this.opts.timeoutMs ?? 0, what: 'epoch exchange' };
    const sumAll = await this.comm.allreduce(sum, 'sum', wait);
    const maxAll = await this.comm.allreduce(max, 'max', wait);
    const now = maxAll[maxAll.length - 1]!;
    const allDone = sumAll[sumAll.length - 1]! >= this.comm.size;

    const global = decodeHosts(this.names, { sum: sumAll.subarray(0, h * SUM_WIDTH), max: maxAll.subarray(0, h * MAX_WIDTH) });
    for (const [host, stats] of local) if (!this.byHost.has(host)) global.set(host, stats);
    const epoch = this.controller.epoch;
    const decisions = this.controller.step(now, global);

    const shares = new Map<string, HostShare>();
    for (const [host, decision] of decisions) {
      const entry = this.byHost.get(host);
      if (!entry) {
        shares.set(host, { ...decision });
        continue;
      }
      const slot = entry.ranks.indexOf(rank);
      if (slot < 0) continue;
      const demands = Array.from(sumAll.subarray(entry.demandAt, entry.demandAt + entry.ranks.length));
      shares.set(host, splitDecision(decision, demands, epoch)[slot]!);
    }
    this.last = shares;
    return { shares, decisions, allDone, nowMs: now };
  }
}
