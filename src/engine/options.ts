/**
 * Options of the download engine (YAML section `engine:`) and of image processing (section
 * `image:`). Keys are snake_case because they are the YAML keys; the exported defaults objects are
 * the single source of the defaults, from which the config schema is derived.
 */
import { HOMEPAGE, VERSION } from '../version.js';

export interface EngineOptions {
  /**
   * Requests at once over all hosts (this rank), counting those answered whose results are still
   * being handled (image processing, writing). Default 512.
   */
  max_inflight: number;
  /** Deadline for the TCP (and TLS) connection, including the DNS lookup, in ms. Default 10000. */
  connect_timeout_ms: number;
  /** Deadline from the request being written to the response headers (time to first byte), in ms. Default 30000. */
  ttfb_timeout_ms: number;
  /** Longest pause between two body chunks before the body counts as stalled, in ms. Default 30000. */
  body_stall_timeout_ms: number;
  /** Deadline for a whole attempt, redirects included, in ms. Default 120000. */
  total_timeout_ms: number;
  /** Largest response body accepted, in bytes; checked on Content-Length and while streaming. Default 33554432 (32 MiB). */
  max_body_bytes: number;
  /** Redirects followed per attempt; one more is an error (-8). Default 5. */
  max_redirects: number;
  /** Retries of a transient failure (429, 408, 5xx, timeouts, resets) after the first attempt. Default 3. */
  max_retries: number;
  /** Base of the exponential backoff between retries, in ms (full jitter: uniform in [0, min(max, base·2^n))). Default 1000. */
  backoff_base_ms: number;
  /** Ceiling of the backoff between retries, in ms. Default 60000. */
  backoff_max_ms: number;
  /**
   * Longest Retry-After honoured by waiting, in ms. A response asking for longer is not retried in
   * this run: it is reported as its status (transient, so a later round retries it). Default 600000.
   */
  max_retry_after_ms: number;
  /**
   * Number of 429/503 answers from one host, between two controller epochs, after which this rank
   * halves its own concurrency for that host until the next epoch's share arrives, and at one request
   * pauses the host for backoff_base_ms (0 = never). Default 3.
   */
  overload_burst: number;
  /**
   * Results (successes and final failures) handed to the caller whose handling has not finished yet
   * (e.g. image processing, writing). At this many the engine starts no new request, which keeps
   * memory bounded whatever the batch size. Default 256.
   */
  max_pending_results: number;
  /**
   * Allow connecting to loopback, private (10/8, 172.16/12, 192.168/16), CGNAT (100.64/10),
   * link-local (169.254/16 incl. cloud metadata, fe80::/10), unique-local (fc00::/7), unspecified,
   * multicast and reserved addresses. Tests and the benchmark farm turn this on. Default false.
   */
  allow_private_addresses: boolean;
  /**
   * User-Agent header of every request. Default `distributed-downloader/<version> (+<homepage>;
   * research image dataset downloader)`, version and homepage from package.json, so server
   * operators can see who is calling and where to read about it.
   */
  user_agent: string;
  /**
   * Extra request headers (name → value). They override the built-in `accept: image/*,*\/*;q=0.8`
   * and `accept-encoding: identity`; the user agent comes from `user_agent` only. Default {}.
   */
  headers: Record<string, string>;
  /** How long a DNS answer (or a failure to resolve) is reused, in ms. Default 300000. */
  dns_cache_ttl_ms: number;
}

/** Output encodings of the `image` column. */
export const IMAGE_ENCODINGS = ['jpeg', 'webp', 'png', 'raw_bgr', 'original'] as const;
export type ImageEncoding = (typeof IMAGE_ENCODINGS)[number];

/** sharp's levels of strictness on damaged pixel data, least strict first. */
export const FAIL_ON_LEVELS = ['none', 'truncated', 'error', 'warning'] as const;
export type FailOnLevel = (typeof FAIL_ON_LEVELS)[number];

export interface ImageOptions {
  /**
   * Longer side of the stored image in pixels: larger images are shrunk to it keeping the aspect
   * ratio, smaller ones are never enlarged. Same meaning as the Python tool's
   * `downloader_parameters.image_size`. Default 224.
   */
  image_size: number;
  /**
   * Encoding of the stored `image` bytes: `jpeg`, `webp`, `png`; `raw_bgr` = the Python tool's
   * height×width×3 BGR pixel buffer; `original` = the downloaded bytes untouched when no resize is
   * needed (only the header is read), else re-encoded in the input's format (JPEG when sharp cannot
   * write that format). Default `jpeg`.
   */
  encoding: ImageEncoding;
  /** Quality (1–100) of `jpeg` and `webp` output. Default 95. */
  quality: number;
  /**
   * Largest number of input pixels (width × height) decoded; a larger image is refused as a
   * decompression bomb (-12). Default 89478485 (Pillow's MAX_IMAGE_PIXELS).
   */
  limit_input_pixels: number;
  /** How damaged pixel data may be before decoding fails (sharp's `failOn`): none, truncated, error, warning. Default `warning`. */
  fail_on: FailOnLevel;
  /** Images processed at once (each holds its decoded pixels); 0 = twice the number of cores. Default 0. */
  concurrency: number;
}

const contact = HOMEPAGE ? `+${HOMEPAGE}; ` : '';
export const DEFAULT_USER_AGENT = `distributed-downloader/${VERSION} (${contact}research image dataset downloader)`;

export const ENGINE_DEFAULTS: Readonly<EngineOptions> = Object.freeze({
  max_inflight: 512,
  connect_timeout_ms: 10_000,
  ttfb_timeout_ms: 30_000,
  body_stall_timeout_ms: 30_000,
  total_timeout_ms: 120_000,
  max_body_bytes: 32 * 1024 * 1024,
  max_redirects: 5,
  max_retries: 3,
  backoff_base_ms: 1_000,
  backoff_max_ms: 60_000,
  max_retry_after_ms: 600_000,
  overload_burst: 3,
  max_pending_results: 256,
  allow_private_addresses: false,
  user_agent: DEFAULT_USER_AGENT,
  headers: {},
  dns_cache_ttl_ms: 300_000,
});

export const IMAGE_DEFAULTS: Readonly<ImageOptions> = Object.freeze({
  image_size: 224,
  encoding: 'jpeg',
  quality: 95,
  limit_input_pixels: 89_478_485,
  fail_on: 'warning',
  concurrency: 0,
});
