/**
 * How every figure is defined, in words: the single text that the report prints and figures.ts,
 * oracle.ts and ttfb.ts implement.
 */

export const FIGURE_DEFINITIONS: readonly (readonly [string, string])[] = [
  [
    'T (run time)',
    'From the moment the client starts downloading (for the pipeline: the start of its download stage, ' +
      'after initialization, profiling and scheduling) until it has finished, or until the deadline stopped it.',
  ],
  [
    'images_per_s',
    'Images the client stored ÷ T. For the pipeline: the verified successes; for a pipeline run stopped at the ' +
      'deadline: the 2xx answers its controller counted (unfinished batches are never written); for aria2c: the files it finished.',
  ],
  [
    'oracle',
    'An ideal client that keeps every host exactly at what it allows from the first instant. Host h allows oracle_h ' +
      'requests/s (capacity ÷ mean time a request holds a slot, capped by its token-bucket rate, as the farm computes it) ' +
      'and holds u_h image URLs; the machine takes at most C images/s (the client ceiling). By time t the ideal client has ' +
      'D(t) = min(Σ_h min(oracle_h·t, u_h), C·t) images. Its average rate over the whole list, R = N ÷ D⁻¹(N) with N the ' +
      'images of hosts that answer, is the "oracle rate".',
  ],
  [
    'goodput_ratio',
    'D⁻¹(images) ÷ T: the time the oracle needs for as many images as the client got, over the time the client took. ' +
      '1 means as fast as the hosts and this machine allow. Times are compared, not rates over T: a rate such as ' +
      'Σ_h min(oracle_h, u_h ÷ T) shrinks as T grows and would rate a slow client that finishes eventually at 1.',
  ],
  [
    'overload_per_10k',
    '429 and 503 answers the farm gave because a host\'s queue was full or its token bucket empty, per 10,000 requests ' +
      'the farm received (every redirect hop is a request).',
  ],
  [
    'p95_ttfb_inflation',
    '95th percentile of the TTFB the farm measured (request arrival to response headers, so waiting in the host\'s queue ' +
      'included; overload answers excluded), ÷ the 95th percentile the same requests would have had without any queueing ' +
      '(each host\'s service-time distribution, weighted by the number of requests it answered). Both go through the same ' +
      'log-bucketed histogram, so an unloaded run scores about 1.',
  ],
  [
    'seconds_to_90pct',
    'Seconds from the client\'s start until the farm\'s 200 answers per second (trailing 1 s window, polled every ' +
      '0.25 s or less often for very large farms) first reach 90 % of the oracle rate R. When never: T, marked ">".',
  ],
  [
    'max_peak_inflight_ratio',
    'Maximum over hosts of the peak number of requests in flight at the host (accepted and not finished, queued ones ' +
      'included) after the client\'s first 5 s, ÷ the host\'s capacity. Above 1, requests waited in the host\'s queue. ' +
      'The all-time value (startup included) is reported beside it, and the share of hosts whose peak after 5 s ' +
      'exceeded their capacity. For a run shorter than 5 s these are all-time.',
  ],
  [
    'queued %',
    'Of the time requests spent at the hosts after the client\'s first 5 s (accepted and not finished), the share they ' +
      'spent waiting in a host\'s queue because more than its capacity were in flight: Σ_h time-averaged max(0, ' +
      'in-flight_h − capacity_h) ÷ Σ_h time-averaged in-flight_h, over the hosts that answer. Not one of the JSON ' +
      'figures: where the peak ratio shows the worst moment, this shows how long a client held hosts over their ' +
      'capacity. For a run shorter than 5 s it is all-time.',
  ],
  [
    'last 5 % (s)',
    'Seconds from the farm\'s 95th percent of the run\'s 200 answers to its last one. Not one of the JSON figures: ' +
      'it shows a run that ends in a tail, a few hosts still working long after the rest finished, which the averages ' +
      'above spread over the whole run. Not given for a run stopped at the deadline.',
  ],
];
