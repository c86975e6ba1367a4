/**
 * One request's life on a virtual host: admitted, queued or turned away by the gate; served after a
 * sampled service time; answered by its URL kind; and accounted (in-flight, status, TTFB) on the host
 * and on the farm's totals until its response finishes or its connection closes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GateEntry, HostGate } from './gate.js';
import type { HostSpec, OverloadAnswer } from './host-spec.js';
import type { HostStats } from './host-stats.js';
import type { ImageSet } from './images.js';
import type { HostPlan } from './plan.js';
import { notFound, respond, type Reply } from './responders.js';
import type { Rng } from './rng.js';
import { parseRoute, type Route } from './url-spec.js';

/** A virtual host while the farm runs. */
export interface HostRuntime {
  readonly plan: HostPlan;
  readonly spec: HostSpec;
  readonly origin: string;
  readonly gate: HostGate<Exchange>;
  readonly stats: HostStats;
  readonly rng: Rng;
}

/** What every exchange shares. */
export interface FarmContext {
  readonly images: ImageSet;
  /** Longest a hanging or stalled response keeps its connection, ms. */
  readonly maxHoldMs: number;
}

function retryAfterValue(answer: OverloadAnswer): string | undefined {
  const ra = answer.retryAfter;
  if (!ra) return undefined;
  return ra.format === 'seconds'
    ? String(Math.ceil(ra.seconds))
    : new Date(Date.now() + ra.seconds * 1000).toUTCString();
}

export class Exchange implements GateEntry, Reply {
  gateState: GateEntry['gateState'] = 'new';
  closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly arrival = performance.now();
  private readonly route: Route | undefined;

  private constructor(
    private readonly ctx: FarmContext,
    private readonly host: HostRuntime,
    readonly res: ServerResponse,
    target: string,
  ) {
    this.route = parseRoute(target);
  }

  /** Takes a new request on `host`. */
  static handle(ctx: FarmContext, host: HostRuntime, req: IncomingMessage, res: ServerResponse): void {
    const x = new Exchange(ctx, host, res, req.url ?? '/');
    const now = x.arrival;
    host.stats.arrived(now);
    res.once('close', x.onClose);
    switch (host.gate.admit(x, now)) {
      case 'serve':
        return x.serve();
      case 'queued':
        return;
      case 'overload':
        return x.turnAway(host.spec.overload);
      case 'rate-limited':
        // admit() only rate-limits when the host has a bucket.
        return x.turnAway(host.spec.rateLimit!.answer);
    }
  }

  get id(): string {
    return this.route?.id ?? '';
  }

  get origin(): string {
    return this.host.origin;
  }

  get bodyBytesPerSec(): number | undefined {
    return this.host.spec.bodyBytesPerSec;
  }

  head(status: number, headers: readonly string[]): void {
    this.res.writeHead(status, headers as string[]);
    this.host.stats.answered(status, performance.now() - this.arrival);
  }

  later(ms: number, fn: () => void): void {
    if (!this.closed) this.timer = setTimeout(fn, ms);
  }

  hold(): void {
    this.later(this.ctx.maxHoldMs, () => this.res.socket?.destroy());
  }

  private serve(): void {
    const { medianMs, sigma } = this.host.spec.service;
    this.later(sigma > 0 ? medianMs * Math.exp(sigma * this.host.rng.normal()) : medianMs, this.answer);
  }

  private readonly answer = (): void => {
    if (!this.route) return notFound(this);
    this.host.stats.served(this.route.spec.kind);
    respond(this, this.route.spec, this.ctx.images);
  };

  /** An overload answer: immediate, not a TTFB sample (it measures no service). */
  private turnAway(answer: OverloadAnswer): void {
    const retryAfter = retryAfterValue(answer);
    const headers = retryAfter === undefined ? ['Content-Length', '0'] : ['Retry-After', retryAfter, 'Content-Length', '0'];
    this.res.writeHead(answer.status, headers);
    this.res.end();
    this.host.stats.turnedAway(answer.status);
  }

  private readonly onClose = (): void => {
    this.closed = true;
    clearTimeout(this.timer);
    this.host.stats.finished(performance.now(), !this.res.writableFinished);
    this.host.gate.leave(this)?.serve();
  };
}
