// The library's one HTTP module: the only place that knows undici.
export { createHttpClient } from './client.js';
export type { FetchLike, HttpOptions, HttpClient, HttpRequestInit, HttpRetryInfo } from './client.js';
export type { RetryOptions } from './retry.js';
export { serverRetryDelay, isRetryableStatus, backoffDelay } from './retry.js';
export { HttpRequestError, isHttpRequestError, describeUrl } from './errors.js';
export type { HttpRequestErrorCode } from './errors.js';
