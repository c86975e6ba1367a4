/** The `metrics` section: off by default, and impossible values refused with the key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, validateConfig } from '../../src/config/index.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('dd-metrics-config-');
const input = path.join(dir, 'urls.csv');
writeFileSync(input, 'identifier\n');
const load = (metrics?: unknown) => validateConfig({ path_to_input: input, path_to_output: 'out', ...(metrics === undefined ? {} : { metrics }) }, path.join(dir, 'c.yaml'));

test('metrics are off unless a port is set; host and max_hosts have defaults', () => {
  assert.deepEqual(load().metrics, { port: null, host: '127.0.0.1', max_hosts: 20 });
  assert.deepEqual(load({ port: 9400 }).metrics, { port: 9400, host: '127.0.0.1', max_hosts: 20 });
  assert.equal(load({ port: 0 }).metrics.port, 0);
});

test('impossible metrics values are refused, naming the key', () => {
  const refusal = (metrics: unknown) => {
    try {
      load(metrics);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.message;
    }
    return assert.fail('accepted');
  };
  assert.match(refusal({ port: 70000 }), /metrics\.port = 70000: must be ≤ 65535/);
  assert.match(refusal({ port: 'x' }), /metrics\.port = "x": expected/);
  assert.match(refusal({ max_hosts: 0 }), /metrics\.max_hosts = 0: must be ≥ 1/);
  assert.match(refusal({ prot: 9400 }), /metrics\.prot: unknown key; allowed here: port, host, max_hosts/);
});
