/**
 * What a virtual host does under load: how many requests it serves at once, how long each takes,
 * how many wait, and what it answers when it will not serve. Faults that concern one URL rather than
 * the host live in the URL path (see url-spec.ts).
 */

/** Lognormal service time; `sigma` 0 makes it constant, which tests use for exact expectations. */
export interface ServiceTime {
  readonly medianMs: number;
  readonly sigma: number;
}

/** A Retry-After header, sent as delta-seconds or as an HTTP-date that many seconds ahead. */
export interface RetryAfter {
  readonly format: 'seconds' | 'date';
  readonly seconds: number;
}

export interface OverloadAnswer {
  readonly status: 429 | 503;
  /** Absent: no Retry-After header. */
  readonly retryAfter?: RetryAfter;
}

export interface TokenBucket {
  /** Tokens added per second: the long-run request rate the host allows. */
  readonly ratePerSec: number;
  /** Bucket size: how many requests may arrive back-to-back after an idle spell. */
  readonly burst: number;
  /** What a request finding the bucket empty gets. */
  readonly answer: OverloadAnswer;
}

export interface HostSpec {
  /** Short description for reports, e.g. "slow-body". */
  readonly label: string;
  /** Requests served concurrently; more wait in a FIFO queue. */
  readonly capacity: number;
  readonly service: ServiceTime;
  /** Requests allowed to wait beyond `capacity`; one more is answered with `overload`. */
  readonly queueLimit: number;
  readonly overload: OverloadAnswer;
  readonly rateLimit?: TokenBucket;
  /** Body throughput per response in bytes/s; absent means as fast as the socket drains. */
  readonly bodyBytesPerSec?: number;
  /** Nothing listens on the host's address: every connection is refused. */
  readonly refuse: boolean;
}

export interface HostOptions {
  /** Default "host". */
  label?: string;
  /** Default 8. */
  capacity?: number;
  /** Default lognormal, median 50 ms, sigma 0.5. */
  service?: ServiceTime;
  /** Default unbounded (Infinity): the host only queues, never refuses work. */
  queueLimit?: number;
  /** Default 429 without Retry-After. */
  overload?: OverloadAnswer;
  /** Default none. */
  rateLimit?: TokenBucket;
  /** Default unthrottled. */
  bodyBytesPerSec?: number;
  /** Default false. */
  refuse?: boolean;
}

export function hostSpec(options: HostOptions = {}): HostSpec {
  const spec: HostSpec = {
    label: options.label ?? 'host',
    capacity: options.capacity ?? 8,
    service: options.service ?? { medianMs: 50, sigma: 0.5 },
    queueLimit: options.queueLimit ?? Number.POSITIVE_INFINITY,
    overload: options.overload ?? { status: 429 },
    refuse: options.refuse ?? false,
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    ...(options.bodyBytesPerSec ? { bodyBytesPerSec: options.bodyBytesPerSec } : {}),
  };
  if (!(Number.isInteger(spec.capacity) && spec.capacity >= 1)) {
    throw new RangeError(`host capacity must be an integer >= 1, got ${spec.capacity}`);
  }
  if (!(spec.service.medianMs >= 0 && spec.service.sigma >= 0)) {
    throw new RangeError(`service time needs medianMs >= 0 and sigma >= 0, got ${JSON.stringify(spec.service)}`);
  }
  if (!(spec.queueLimit >= 0)) throw new RangeError(`queueLimit must be >= 0, got ${spec.queueLimit}`);
  return spec;
}

/** Mean of the lognormal: median · e^(σ²/2). */
export function meanServiceMs(service: ServiceTime): number {
  return service.medianMs * Math.exp((service.sigma * service.sigma) / 2);
}

/**
 * Requests per second the host can complete without queueing: capacity over the mean time a request
 * holds a slot (service plus throttled body), capped by the token rate. `meanBodyBytes` is the mean
 * size of what the host's URLs return.
 */
export function oracleRps(spec: HostSpec, meanBodyBytes: number): number {
  if (spec.refuse) return 0;
  const bodyMs = spec.bodyBytesPerSec ? (1000 * meanBodyBytes) / spec.bodyBytesPerSec : 0;
  const holdMs = meanServiceMs(spec.service) + bodyMs;
  const byCapacity = holdMs > 0 ? (1000 * spec.capacity) / holdMs : Number.POSITIVE_INFINITY;
  return Math.min(byCapacity, spec.rateLimit?.ratePerSec ?? Number.POSITIVE_INFINITY);
}
