/** The download engine's public surface, for the download driver and the benchmark. */
export { Dispatcher } from './dispatcher.js';
export type { DispatcherOptions, DispatcherEngineOptions, FetchLike, ItemFailure, ItemResult, ItemSuccess, WorkItem } from './dispatcher.js';
export { Fetcher } from './fetcher.js';
export type { FetcherDeps, FetchFailure, FetchOptions, FetchResult, FetchSuccess } from './fetcher.js';
export { ImageProcessor } from './image.js';
export type { ProcessedImage, Size } from './image.js';
export { EngineError, ERROR_TABLE, HTTP_ERRORS, NEGATIVE_ERRORS, httpErrorKind } from './errors.js';
export type { ErrorContext, ErrorKind, HttpErrorKind, NegativeErrorKind, NegativeErrorName } from './errors.js';
export { DEFAULT_USER_AGENT, ENGINE_DEFAULTS, FAIL_ON_LEVELS, IMAGE_DEFAULTS, IMAGE_ENCODINGS } from './options.js';
export type { EngineOptions, FailOnLevel, ImageEncoding, ImageOptions } from './options.js';
export { isBlockedAddress } from './address-policy.js';
export { RetryPolicy, parseRetryAfter } from './retry.js';
