/**
 * The controller of all hosts. Each rank runs one with the same options and feeds it the same
 * all-rank statistics at the same epoch time, so every rank computes the same decisions without
 * talking about them. Pure: the clock is the `nowMs` argument, there is no I/O and no randomness.
 */
import type { LimitAlgorithm } from './algorithm.js';
import { createAlgorithm } from './factory.js';
import { DEFAULT_CONTROLLER_OPTIONS, type ControllerOptions } from './options.js';
import { emptyStats, type HostDecision, type HostEpochStats } from './types.js';

/** What an idle host reports; shared, since policies never modify their input. */
const IDLE: HostEpochStats = emptyStats();

export class Controller {
  private readonly hosts = new Map<string, LimitAlgorithm>();
  private readonly rates = new Map<string, number>();
  private epochs = 0;

  constructor(readonly options: ControllerOptions = DEFAULT_CONTROLLER_OPTIONS) {}

  /** Number of epochs decided so far (the split uses it to rotate ties). */
  get epoch(): number {
    return this.epochs;
  }

  /**
   * Sets a host's profiled rate (requests/s), which seeds its starting budget. It only acts on a
   * host without state yet (never decided nor asked about): a rank that seeds later than the others
   * must not reset a host they all share. For agreement across ranks, seed every host before the
   * first epoch, with the same rates on every rank. forget() then seed() starts a host afresh.
   */
  seed(host: string, initialRate: number): void {
    this.rates.set(host, initialRate);
  }

  /** Drops a host's state (e.g. when it has no work left, so it costs no time every epoch). */
  forget(host: string): void {
    this.hosts.delete(host);
    this.rates.delete(host);
  }

  /** The decision in force for a host (its starting decision if it was never stepped). */
  decision(host: string, nowMs: number): HostDecision {
    return this.algorithmFor(host).current(nowMs);
  }

  /** The current phase of a host's policy, for logs and metrics. */
  phase(host: string): string {
    return this.algorithmFor(host).phase;
  }

  /**
   * Decides the next epoch. `statsByHost` holds the all-rank statistics of the epoch that just ended;
   * hosts known from earlier epochs but absent here are stepped as idle. Returns a decision for every
   * known host.
   */
  step(nowMs: number, statsByHost: ReadonlyMap<string, HostEpochStats>): Map<string, HostDecision> {
    for (const host of statsByHost.keys()) this.algorithmFor(host);
    const decisions = new Map<string, HostDecision>();
    for (const [host, algorithm] of this.hosts) {
      decisions.set(host, algorithm.decide(statsByHost.get(host) ?? IDLE, nowMs));
    }
    this.epochs += 1;
    return decisions;
  }

  private algorithmFor(host: string): LimitAlgorithm {
    let algorithm = this.hosts.get(host);
    if (algorithm === undefined) {
      algorithm = createAlgorithm({ host, options: this.options, initialRate: this.rates.get(host) });
      this.hosts.set(host, algorithm);
    }
    return algorithm;
  }
}
