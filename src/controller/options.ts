/**
 * Parameters of the per-host controller: the `controller:` section of the YAML configuration.
 * Keys are snake_case as in the YAML; every value is a number, a string or a nested plain object,
 * so the configuration schema can be derived from DEFAULT_CONTROLLER_OPTIONS.
 */

export const ALGORITHMS = ['adaptive', 'aimd', 'paarc', 'fixed'] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];

/** Parameters of the `aimd` policy (additive increase, multiplicative decrease). */
export interface AimdOptions {
  /** Concurrent requests added per epoch while the host is demand-limited. Default 1. */
  additive_step: number;
  /** Factor applied to the limit on any 429/503/5xx, timeout, reset or connect failure. Default 0.5. */
  multiplicative_decrease: number;
}

/**
 * Parameters of the `paarc` policy, FLOW-DC's Policy-Aware Adaptive Request Controller. The first
 * nine are FLOW-DC's published parameters with its published defaults; the rest fill in what its
 * public description leaves open (see algorithms/paarc.ts).
 */
export interface PaarcOptions {
  /** Initial concurrency per host (FLOW-DC `C_init`). Default 8. */
  c_init: number;
  /** Concurrency floor (FLOW-DC `C_min`). Default 2. */
  c_min: number;
  /** Concurrency ceiling (FLOW-DC `C_max`). Default 2000. */
  c_max: number;
  /** Utilization factor applied to the bandwidth-delay estimate (FLOW-DC `mu`). Default 1.0. */
  mu: number;
  /** Backoff multiplier on overload (FLOW-DC `beta`). Default 0.7. */
  beta: number;
  /** Median TTFB above theta_50 × RTprop means latency degraded (FLOW-DC `theta_50`). Default 1.5. */
  theta_50: number;
  /** 95th-percentile TTFB above theta_95 × RTprop means latency degraded (FLOW-DC `theta_95`). Default 2.0. */
  theta_95: number;
  /** Seconds between RTprop refreshes, each done by a probe-RTT phase (FLOW-DC `probe_rtt_period`). Default 30. */
  probe_rtt_period_s: number;
  /** Weight of the newest epoch in the TTFB p50/p95 moving averages (FLOW-DC `alpha_ema`). Default 0.3. */
  alpha_ema: number;
  /** Startup growth factor per epoch (not published). Default 2. */
  startup_growth: number;
  /** Startup ends when goodput has not grown by 2 % over this many epochs (not published). Default 3. */
  plateau_epochs: number;
  /** Additive probe in probe-bandwidth, as a fraction of the concurrency (at least 1). Default 0.02. */
  probe_gain: number;
  /** Concurrency factor during probe-RTT (not published; BBR's choice). Default 0.5. */
  probe_rtt_fraction: number;
  /** Length of a probe-RTT phase in epochs (not published). Default 2. */
  probe_rtt_epochs: number;
  /** Minimum time in backoff before probing again, in seconds (not published). Default 2. */
  cooldown_s: number;
  /** TTFB samples an epoch needs before its percentiles count (not published). Default 5. */
  min_samples: number;
}

/** Parameters of the `fixed` policy, the Python tool's fixed rate band. */
export interface FixedOptions {
  /** Rate (requests/s) for a host without a profiled rate_limit (the seed's `default_rate_limit`). Default 3. */
  default_rate_limit: number;
  /**
   * Half-width m of the band [max(1, r·(1−m)), r·(1+m)] around the host's rate r (the seed's
   * `rate_multiplier`). Default 0.5.
   */
  rate_multiplier: number;
  /** Nudge per epoch, as a fraction of r: up after a clean epoch, down after a 429/5xx. Default 0.1. */
  rate_step: number;
}

export interface ControllerOptions {
  /**
   * Policy: `adaptive` (DESIGN §6), `aimd`, `paarc` (FLOW-DC) or `fixed` (the seed's rate band).
   * Default `adaptive`.
   */
  algorithm: AlgorithmName;
  /** Length of an epoch (one decision, one allreduce) in milliseconds. Default 1000. */
  epoch_ms: number;
  /**
   * Starting limit (concurrent requests, all ranks together) of a host without a profiled rate.
   * A profiled rate_limit r seeds ceil(r) instead: Little's law with an assumed 1 s response time,
   * deliberately low since the profile is only a guess. Default 4.
   */
  initial_limit: number;
  /** Lowest limit a host is ever given. Default 1. */
  min_limit: number;
  /** Highest limit a host is ever given. Default 1000. */
  max_limit: number;
  /** Factor by which the limit grows per decision during startup. Default 1.5. */
  startup_growth: number;
  /**
   * How far above the baseline B the median TTFB may rise before it counts as queueing: the tol in
   * g = clamp(B·(1+tol)/p50, 0.5, 1) (0.05 = 5 %). Default 0.05.
   */
  latency_tolerance: number;
  /**
   * Half-width, in standard errors, of the confidence band around each median TTFB (allowing for the
   * baseline's own error too), so sampling noise is not taken for queueing: a reading is inflated
   * only if its lower end exceeds B·(1+tol), and clearly allows growth only if its upper end does
   * not; in between it gathers more epochs. Readings join the baseline's pool unless they lie this
   * many standard errors above it. Default 2.
   */
  latency_confidence: number;
  /**
   * Number of recent latency readings (with min_samples) the baseline is pooled from: those of the
   * lowest limits, as far up as latency does not clearly rise. Default 30.
   */
  baseline_window: number;
  /** TTFB samples needed for a latency decision; a quieter host accumulates epochs until it has them. Default 20. */
  min_samples: number;
  /**
   * A quiet host decides after this many epochs even with fewer than min_samples (and then leaves the
   * baseline alone); an undecided reading gathers epochs up to this many. Default 10.
   */
  max_window_epochs: number;
  /**
   * Share of rank-time spent with queued work at the share that makes a host demand-limited (growth
   * allowed). Default 0.5.
   */
  demand_limited_fraction: number;
  /**
   * Time-averaged requests in flight, all ranks together, over the limit, below which a latency
   * reading neither grows nor shrinks the limit: a share left unused (ranks out of work) says nothing
   * about the host. Default 0.9.
   */
  utilisation_fraction: number;
  /**
   * Share of an epoch the client's event loop (every rank's, on average) was busy at or above which,
   * in any epoch of a reading, its latency neither grows nor shrinks the limit nor enters the baseline: the
   * client was then the bottleneck, and its own queueing inflated every host's TTFB alike (on a
   * saturated client by as much as the hosts' own latency; at 0.86 a 130 ms host still read 190 ms).
   * In such an epoch a host still in startup that holds more than twice the requests its share of
   * the client's answers needs is taken down to that, and back up (no higher than it was) once its
   * share is more than twice its limit. Above 1 the rule is off. Default 0.8.
   */
  client_busy_fraction: number;
  /**
   * Within this fraction of the remembered ceiling the limit grows by 1 instead of √L (and the last
   * request up to the ceiling in fractions). Default 0.8.
   */
  near_ceiling_fraction: number;
  /** Share of completions answered 429/503 above which the host is overloaded. Default 0.02. */
  overload_share: number;
  /** Limit factor on 429/503 overload. Default 0.7. */
  overload_cut: number;
  /**
   * Share of completions that are other 5xx, timeouts, resets or connect failures above which the host
   * is overloaded. Default 0.1.
   */
  error_share: number;
  /** Limit factor on 5xx/timeout/reset overload. Default 0.85. */
  error_cut: number;
  /** Epochs after a cut during which the limit does not grow. Default 2. */
  hold_epochs: number;
  /** Longest Retry-After honoured, in milliseconds; longer requests are cut to this. Default 300000 (5 min). */
  retry_after_cap_ms: number;
  /** Upper bound of the deterministic jitter added to a Retry-After block, in milliseconds. Default 1000. */
  retry_after_jitter_ms: number;
  /**
   * First pause of the circuit breaker when a host only fails to connect or times out, in
   * milliseconds. Default 2000.
   */
  breaker_base_ms: number;
  /**
   * Longest pause of the circuit breaker (the pause doubles on every failed probe), in milliseconds.
   * Default 300000.
   */
  breaker_max_ms: number;
  /** Fraction of the distance to the initial limit an idle host's limit moves per epoch. Default 0.05. */
  idle_decay: number;
  /**
   * On a 429 or 503 the pacer starts at this fraction of the success rate in that epoch or in the
   * host's last epoch without a pause or overload, whichever is higher (a running pacer: of its own
   * rate). Default 0.9.
   */
  pacer_start_fraction: number;
  /** Factor by which the pacing rate rises per epoch without a 429 or 503 (by a quarter of it near the rate that last drew one). Default 1.05. */
  pacer_growth: number;
  aimd: AimdOptions;
  paarc: PaarcOptions;
  fixed: FixedOptions;
}

export const DEFAULT_CONTROLLER_OPTIONS: ControllerOptions = {
  algorithm: 'adaptive',
  epoch_ms: 1000,
  initial_limit: 4,
  min_limit: 1,
  max_limit: 1000,
  startup_growth: 1.5,
  latency_tolerance: 0.05,
  latency_confidence: 2,
  baseline_window: 30,
  min_samples: 20,
  max_window_epochs: 10,
  demand_limited_fraction: 0.5,
  utilisation_fraction: 0.9,
  client_busy_fraction: 0.8,
  near_ceiling_fraction: 0.8,
  overload_share: 0.02,
  overload_cut: 0.7,
  error_share: 0.1,
  error_cut: 0.85,
  hold_epochs: 2,
  retry_after_cap_ms: 300_000,
  retry_after_jitter_ms: 1000,
  breaker_base_ms: 2000,
  breaker_max_ms: 300_000,
  idle_decay: 0.05,
  pacer_start_fraction: 0.9,
  pacer_growth: 1.05,
  aimd: {
    additive_step: 1,
    multiplicative_decrease: 0.5,
  },
  paarc: {
    c_init: 8,
    c_min: 2,
    c_max: 2000,
    mu: 1.0,
    beta: 0.7,
    theta_50: 1.5,
    theta_95: 2.0,
    probe_rtt_period_s: 30,
    alpha_ema: 0.3,
    startup_growth: 2,
    plateau_epochs: 3,
    probe_gain: 0.02,
    probe_rtt_fraction: 0.5,
    probe_rtt_epochs: 2,
    cooldown_s: 2,
    min_samples: 5,
  },
  fixed: {
    default_rate_limit: 3,
    rate_multiplier: 0.5,
    rate_step: 0.1,
  },
};

/** Overrides of some options; nested sections may be given in part. */
export type ControllerOverrides = Partial<Omit<ControllerOptions, 'aimd' | 'paarc' | 'fixed'>> & {
  aimd?: Partial<AimdOptions>;
  paarc?: Partial<PaarcOptions>;
  fixed?: Partial<FixedOptions>;
};

/** The defaults with `overrides` applied, section by section. */
export function controllerOptions(overrides: ControllerOverrides = {}): ControllerOptions {
  const d = DEFAULT_CONTROLLER_OPTIONS;
  return {
    ...d,
    ...overrides,
    aimd: { ...d.aimd, ...overrides.aimd },
    paarc: { ...d.paarc, ...overrides.paarc },
    fixed: { ...d.fixed, ...overrides.fixed },
  };
}
