/**
 * The engine core: work queued per host, hosts served in turn under a global in-flight cap, each
 * host held to the share the controller gave it (concurrency, pacing, block, generation), and
 * per-host measurements for the controller's epoch.
 *
 * Nothing scans all hosts per request. A host is in the ring only while it could start a request;
 * otherwise it waits for the one thing that can change that: a completion (it was at its share),
 * new work, a new share, or a time (retry due, block over, pacing token) kept in one timer heap.
 *
 * Turns are weighted by queued work (stride scheduling: a host's pass advances by 1/backlog per
 * request, the lowest pass goes next). The order only matters while the client itself is the
 * bottleneck (the in-flight cap, or results waiting to be handled); then every host gets requests
 * in proportion to the work it has left, so all finish together, and the client does not end up
 * with the few hosts that have the most work, held to what they allow, long after the rest. Plain
 * round-robin gave a host with 6,000 URLs the same 15 requests/s as one with 20 for the first
 * 20 s of the mixed benchmark.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { servedCount } from '../controller/signals.js';
import type { HostEpochStats, HostShare } from '../controller/types.js';
import { EngineError, type ErrorContext } from './errors.js';
import type { FetchResult } from './fetcher.js';
import { HostState, type Task } from './host-state.js';
import { MinHeap } from './min-heap.js';
import type { EngineOptions } from './options.js';
import { RetryPolicy } from './retry.js';

export interface WorkItem<P = unknown> {
  /** The caller's id (the row's uuid). */
  id: string;
  url: string;
  /** The host the item counts against (the URL's netloc, lower-cased). */
  hostKey: string;
  /** Anything the caller wants back with the result. */
  payload: P;
}

interface Attempts {
  /** Attempts made (0 when cancelled before the first). */
  attempts: number;
  /** Retries made, i.e. attempts − 1 (never below 0). */
  retryCount: number;
}

export interface ItemSuccess<P> extends Attempts {
  ok: true;
  item: WorkItem<P>;
  status: number;
  body: Buffer;
  ttfbMs: number;
  /** Where the body came from, after redirects. */
  finalUrl: string;
  contentType: string | undefined;
}

export interface ItemFailure<P> extends Attempts {
  ok: false;
  item: WorkItem<P>;
  error: EngineError;
}

export type ItemResult<P> = ItemSuccess<P> | ItemFailure<P>;

/** What the dispatcher needs of a fetcher (the Fetcher class, or a fake in tests). */
export interface FetchLike {
  fetch(url: string, context: ErrorContext, signal?: AbortSignal): Promise<FetchResult>;
}

export type DispatcherEngineOptions = Pick<
  EngineOptions,
  'max_inflight' | 'max_pending_results' | 'max_retries' | 'backoff_base_ms' | 'backoff_max_ms' | 'max_retry_after_ms' | 'overload_burst'
>;

export interface DispatcherOptions<P> {
  engine: DispatcherEngineOptions;
  fetcher: FetchLike;
  /**
   * Share of a host seen for the first time (or again after it went idle for a whole epoch and was
   * forgotten): the controller's current decision for it, or the initial budget.
   */
  initialShare: (hostKey: string) => HostShare;
  /**
   * Receives every item's final result exactly once. While the returned promise is pending the
   * result counts against `max_pending_results`, so slow handling (image processing, writing)
   * slows the downloads instead of piling up bodies in memory.
   */
  onResult: (result: ItemResult<P>) => void | Promise<void>;
  /** Wall clock, ms since the Unix epoch (shares and Retry-After use absolute times). */
  now?: () => number;
  /** Uniform [0, 1) for the retry jitter. */
  random?: () => number;
}

interface Wake<P> {
  at: number;
  host: HostState<WorkItem<P>>;
}

export class Dispatcher<P = unknown> {
  private readonly hosts = new Map<string, HostState<WorkItem<P>>>();
  private readonly ring = new MinHeap<HostState<WorkItem<P>>>((host) => host.pass);
  /**
   * Advances by 1/(all queued work) per request started: where a host that got exactly its share of
   * turns would stand. A host joining the ring starts there at the least, so time out of the ring
   * (at its limit, blocked, without work) saves up no credit, and its weight still counts when it
   * is back: the pass of the host that had the last turn would put every host that joins while
   * nothing can start level with all the others, which is plain round-robin again.
   */
  private virtualTime = 0;
  private readonly wakes = new MinHeap<Wake<P>>((w) => w.at);
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private pumpScheduled = false;
  private inflightCount = 0;
  private pendingResults = 0;
  /** Items enqueued whose result has not been handled yet. */
  private outstanding = 0;
  private readonly running = new Set<AbortController>();
  private stopping = false;
  private handlerError: unknown = null;
  private drainWaiters: (() => void)[] = [];
  private epochStart: number;
  /** Event-loop utilisation at the epoch's start: the share of the epoch the client itself was busy. */
  private loopAtStart: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly now: () => number;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: DispatcherOptions<P>) {
    this.now = options.now ?? Date.now;
    this.retry = new RetryPolicy(options.engine, options.random);
    this.epochStart = this.now();
  }

  /** Requests in flight now. */
  get inflight(): number {
    return this.inflightCount;
  }

  /** Items enqueued and not finished (queued, waiting to retry, in flight, or being handled). */
  get pending(): number {
    return this.outstanding;
  }

  enqueue(item: WorkItem<P>): void {
    if (this.stopping) throw new Error('Dispatcher.enqueue after stop()');
    const now = this.now();
    let host = this.hosts.get(item.hostKey);
    if (!host) {
      host = new HostState<WorkItem<P>>(item.hostKey, this.options.initialShare(item.hostKey), now);
      this.hosts.set(item.hostKey, host);
    }
    host.advance(now);
    host.ready.push({ item, attempts: 0, notBefore: 0 });
    this.outstanding++;
    this.consider(host, now);
  }

  /** Installs the controller's shares for this epoch; hosts this rank does not hold are ignored. */
  applyShares(shares: ReadonlyMap<string, HostShare>): void {
    const now = this.now();
    for (const [key, share] of shares) {
      const host = this.hosts.get(key);
      if (!host) continue;
      host.advance(now);
      host.setShare(share, now);
      this.consider(host, now);
    }
  }

  /**
   * This epoch's measurements per host (every host this rank holds), and the start of the next
   * epoch. Hosts with nothing queued or running are then forgotten, so the table stays as small as
   * the current work.
   */
  takeEpochStats(nowMs: number): Map<string, HostEpochStats> {
    const epochMs = Math.max(0, nowMs - this.epochStart);
    const loop = performance.eventLoopUtilization();
    const clientBusySeconds = (performance.eventLoopUtilization(loop, this.loopAtStart).utilization * epochMs) / 1000;
    this.loopAtStart = loop;
    const out = new Map<string, HostEpochStats>();
    for (const [key, host] of this.hosts) {
      host.advance(nowMs);
      const stats = host.takeStats(epochMs);
      stats.clientBusySeconds = clientBusySeconds;
      out.set(key, stats);
      if (host.idle) {
        host.removed = true;
        this.hosts.delete(key);
      }
    }
    // The client's figures go with every host's, as clientBusySeconds does: the controller weighs a
    // host's turns against everyone's.
    let clientBacklog = 0;
    let clientServed = 0;
    for (const stats of out.values()) {
      clientBacklog += stats.backlog;
      clientServed += servedCount(stats);
    }
    for (const stats of out.values()) {
      stats.clientBacklog = clientBacklog;
      stats.clientServed = clientServed;
    }
    this.epochStart = nowMs;
    return out;
  }

  /**
   * Resolves once every enqueued item's result has been handled; rejects with the first error a
   * result handler threw.
   */
  drain(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.drainWaiters.push(resolve);
      this.checkDrained();
    }).then(() => {
      if (this.handlerError !== null) throw this.handlerError;
    });
  }

  /**
   * Abandons all work: queued items and retries are reported as cancelled (-19) without a request,
   * running requests are aborted and reported the same way. Resolves like drain().
   */
  stop(): Promise<void> {
    this.stopping = true;
    for (const host of this.hosts.values()) {
      host.advance(this.now());
      for (const task of [...host.ready.drain(), ...host.delayed.drain()]) {
        this.deliver({ ok: false, item: task.item, error: EngineError.of('cancelled', 'download abandoned', contextOf(task)), ...attemptsOf(task) });
      }
    }
    for (const controller of this.running) controller.abort();
    return this.drain();
  }

  /** Puts `host` in the ring if it can start now, else arranges to look again when time alone can change that. */
  private consider(host: HostState<WorkItem<P>>, now: number): void {
    if (host.inRing || host.removed) return;
    if (host.canStart(now)) {
      host.inRing = true;
      host.pass = Math.max(host.pass, this.virtualTime);
      this.ring.push(host);
      this.schedulePump();
      return;
    }
    const at = host.nextWake(now);
    if (at < Number.POSITIVE_INFINITY) this.scheduleWake(host, at);
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // Coalesces the many events of one tick (a batch enqueued, several completions) into one pass.
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    this.pumpScheduled = false;
    const now = this.now();
    const { max_inflight, max_pending_results } = this.options.engine;
    // A result still being handled holds its slot of max_inflight. Otherwise, whenever handling is
    // the bottleneck, every completion would add a result beyond max_pending_results and every dip
    // below it start a request for every host in the ring at once: turns in bursts, the same for
    // every host, whatever the order. Held slots are freed one by one, each a turn by the order.
    while (this.inflightCount + this.pendingResults < max_inflight && this.pendingResults < max_pending_results) {
      const host = this.ring.pop();
      if (!host) return;
      host.inRing = false;
      if (host.canStart(now)) {
        host.pass += 1 / Math.max(1, host.backlog);
        this.virtualTime += 1 / Math.max(1, this.outstanding - this.inflightCount - this.pendingResults);
        host.advance(now);
        this.start(host, host.start(now));
      }
      // One request per turn: the host goes back in line behind those with a lower pass.
      this.consider(host, now);
    }
  }

  private start(host: HostState<WorkItem<P>>, task: Task<WorkItem<P>>): void {
    const generation = host.generation;
    const controller = new AbortController();
    this.running.add(controller);
    this.inflightCount++;
    this.options.fetcher
      .fetch(task.item.url, contextOf(task), controller.signal)
      .catch((err: unknown): FetchResult => ({ ok: false, error: EngineError.of('network', `fetch failed: ${String(err)}`, contextOf(task), err), ttfbMs: null }))
      .then((result) => {
        this.running.delete(controller);
        this.complete(host, task, generation, result);
      });
  }

  private complete(host: HostState<WorkItem<P>>, task: Task<WorkItem<P>>, generation: number, result: FetchResult): void {
    const now = this.now();
    host.advance(now);
    this.inflightCount--;
    host.finish(result.ok ? 'ok' : result.error.outcome, generation, result.ttfbMs);
    if (result.ok) {
      const { status, body, ttfbMs, url, contentType } = result;
      this.deliver({ ok: true, item: task.item, status, body, ttfbMs, finalUrl: url, contentType, ...attemptsOf(task) });
    } else {
      this.handleFailure(host, task, generation, result.error, now);
    }
    this.consider(host, now);
    this.schedulePump();
  }

  private handleFailure(host: HostState<WorkItem<P>>, task: Task<WorkItem<P>>, generation: number, error: EngineError, now: number): void {
    if (error.retryAfterUntil > now) {
      host.noteRetryAfter(error.retryAfterUntil, Math.min(error.retryAfterUntil, now + this.options.engine.max_retry_after_ms));
    }
    if ((error.outcome === 'tooMany' || error.outcome === 'unavailable') && generation === host.generation) {
      host.noteOverload(this.options.engine.overload_burst, now, this.options.engine.backoff_base_ms);
    }
    const retryAt = this.stopping ? null : this.retry.nextAttemptAt(error, task.attempts - 1, now);
    if (retryAt === null) {
      this.deliver({ ok: false, item: task.item, error, ...attemptsOf(task) });
      return;
    }
    // The retry waits in its host's queue, holding no slot.
    task.notBefore = retryAt;
    host.delayed.push(task);
    this.scheduleWake(host, retryAt);
  }

  private deliver(result: ItemResult<P>): void {
    this.pendingResults++;
    Promise.resolve()
      .then(() => this.options.onResult(result))
      .catch((err: unknown) => {
        this.handlerError ??= err;
      })
      .finally(() => {
        this.pendingResults--;
        this.outstanding--;
        this.schedulePump();
        this.checkDrained();
      });
  }

  private checkDrained(): void {
    if (this.outstanding > 0) return;
    // With no work left no wake-up is needed, and a pending timer would keep the process alive.
    this.forgetWakes();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private scheduleWake(host: HostState<WorkItem<P>>, at: number): void {
    // An earlier wake recomputes the next one anyway.
    if (at >= host.wakeAt) return;
    host.wakeAt = at;
    this.wakes.push({ at, host });
    if (at < this.timerAt) this.armTimer(at);
  }

  private armTimer(at: number): void {
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, at - this.now()));
  }

  private forgetWakes(): void {
    for (const wake of this.wakes.drain()) wake.host.wakeAt = Number.POSITIVE_INFINITY;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    for (let wake = this.wakes.peek(); wake && wake.at <= now; wake = this.wakes.peek()) {
      this.wakes.pop();
      const host = wake.host;
      // Superseded by an earlier wake, or the host was forgotten.
      if (wake.at !== host.wakeAt || host.removed) continue;
      host.wakeAt = Number.POSITIVE_INFINITY;
      host.advance(now);
      host.promoteDue(now);
      this.consider(host, now);
    }
    const next = this.wakes.peek();
    if (next) this.armTimer(next.at);
  }
}

function contextOf<P>(task: Task<WorkItem<P>>): ErrorContext {
  return { url: task.item.url, host: task.item.hostKey, attempt: task.attempts };
}

function attemptsOf<P>(task: Task<WorkItem<P>>): Attempts {
  return { attempts: task.attempts, retryCount: Math.max(0, task.attempts - 1) };
}
