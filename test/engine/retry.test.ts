import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError, ERROR_TABLE, NEGATIVE_ERRORS, httpErrorKind } from '../../src/engine/errors.js';
import { RetryPolicy, parseRetryAfter } from '../../src/engine/retry.js';
import { OUTCOME_CLASSES } from '../../src/controller/types.js';

const context = { url: 'http://example.org/a.jpg', host: 'example.org', attempt: 1 };
const options = { max_retries: 3, backoff_base_ms: 100, backoff_max_ms: 1_000, max_retry_after_ms: 60_000 };

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delay-seconds', () => assert.equal(parseRetryAfter('120', now), now + 120_000));
  it('reads an HTTP-date', () => assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:01:30 GMT', now), now + 90_000));
  it('takes a date in the past as now', () => assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), now));
  it('ignores garbage and absence', () => {
    for (const value of [undefined, '', 'soon', '-5', '1.5', '2025-01-01T00:05:00']) assert.equal(parseRetryAfter(value, now), 0, String(value));
  });
  it('takes the first of repeated headers', () => assert.equal(parseRetryAfter(['3', '9'], now), now + 3_000));
});

describe('RetryPolicy', () => {
  const now = 1_000_000;

  it('retries transient failures with exponential backoff and full jitter', () => {
    const error = EngineError.http(503, context);
    const top = new RetryPolicy(options, () => 0.999999);
    assert.ok(Math.abs(top.nextAttemptAt(error, 0, now)! - now - 100) < 0.01);
    assert.ok(Math.abs(top.nextAttemptAt(error, 2, now)! - now - 400) < 0.01);
    assert.equal(new RetryPolicy({ ...options, max_retries: 10 }, () => 0.5).nextAttemptAt(error, 8, now), now + 500, 'capped by backoff_max_ms');
    assert.equal(new RetryPolicy(options, () => 0).nextAttemptAt(error, 1, now), now);
  });

  it('stops after max_retries', () => {
    const policy = new RetryPolicy(options, () => 0.5);
    assert.notEqual(policy.nextAttemptAt(EngineError.of('connectionReset', 'reset', context), 2, now), null);
    assert.equal(policy.nextAttemptAt(EngineError.of('connectionReset', 'reset', context), 3, now), null);
  });

  it('never retries a final failure', () => {
    const policy = new RetryPolicy(options, () => 0.5);
    for (const status of [400, 401, 403, 404, 410]) assert.equal(policy.nextAttemptAt(EngineError.http(status, context), 0, now), null, String(status));
    for (const name of ['tooLarge', 'notAnImage', 'blockedAddress', 'dns', 'tooManyRedirects'] as const) {
      assert.equal(policy.nextAttemptAt(EngineError.of(name, 'x', context), 0, now), null, name);
    }
  });

  it('waits at least until Retry-After, and gives up when it is too far', () => {
    const policy = new RetryPolicy(options, () => 0.5);
    assert.equal(policy.nextAttemptAt(EngineError.http(429, context, now + 5_000), 0, now), now + 5_000);
    assert.equal(policy.nextAttemptAt(EngineError.http(429, context, now + 120_000), 0, now), null);
  });
});

describe('error table', () => {
  it('gives every negative code a unique code and class and a controller outcome', () => {
    const kinds = Object.values(NEGATIVE_ERRORS);
    assert.equal(new Set(kinds.map((k) => k.code)).size, kinds.length);
    assert.equal(new Set(kinds.map((k) => k.errorClass)).size, kinds.length);
    for (const row of ERROR_TABLE) assert.ok((OUTCOME_CLASSES as readonly string[]).includes(row.outcome), row.error_class);
  });

  it('maps HTTP statuses to the controller classes', () => {
    const cases: [number, string, boolean][] = [
      [404, 'final4xx', false],
      [410, 'final4xx', false],
      [403, 'final4xx', false],
      [408, 'server5xx', true],
      [429, 'tooMany', true],
      [503, 'unavailable', true],
      [500, 'server5xx', true],
      [502, 'server5xx', true],
      [304, 'final4xx', false],
    ];
    for (const [status, outcome, transient] of cases) {
      assert.equal(httpErrorKind(status).outcome, outcome, String(status));
      assert.equal(httpErrorKind(status).transient, transient, String(status));
    }
  });
});
