import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ConfigError, configEnvironment, loadConfig, validateConfig } from '../../src/config/index.js';
import { DOWNLOADER_BIN, TOOLS_BIN, runCliBin } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const fixture = fileURLToPath(new URL('../../../test/fixtures/python-readme-config.yaml', import.meta.url));
const dir = tempDir();
const input = path.join(dir, 'urls.csv');
writeFileSync(input, 'uuid,identifier,source_id\n');

/** The Python README's example with its paths pointed at real places, all other keys as published. */
function pythonExample(): Record<string, unknown> {
  const raw = parse(readFileSync(fixture, 'utf8')) as Record<string, unknown>;
  return { ...raw, path_to_input: input, path_to_output: path.join(dir, 'out') };
}

function writeConfig(name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

function refusal(raw: unknown): string {
  try {
    validateConfig(raw, path.join(dir, 'c.yaml'));
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('configuration was accepted');
}

test("the Python tool's README example loads with its values", () => {
  const config = loadConfig(writeConfig('python.yaml', pythonExample()));
  assert.equal(config.downloader_parameters.batch_size, 10000);
  assert.equal(config.downloader_parameters.default_rate_limit, 3);
  assert.equal(config.downloader_parameters.rate_multiplier, 0.5);
  assert.equal(config.downloader_parameters.logger_level, 'INFO');
  assert.equal(config.tools_parameters.threshold_size, 10000);
  assert.equal(config.output_structure.inner_checkpoint_file, 'checkpoint.json');
});

test('defaults fill every section of a minimal config', () => {
  const config = validateConfig({ path_to_input: input, path_to_output: 'out' }, path.join(dir, 'c.yaml'));
  assert.equal(config.downloader_parameters.batch_size, 10000);
  assert.equal(config.output_structure.urls_folder, 'urls');
  assert.equal(config.input.small_server_urls, 100);
  assert.equal(config.path_to_output, path.join(dir, 'out'), 'relative paths are taken from the config folder');
});

test('path_to_output_folder is accepted for path_to_output', () => {
  const config = validateConfig({ path_to_input: input, path_to_output_folder: '/tmp/x' }, path.join(dir, 'c.yaml'));
  assert.equal(config.path_to_output, '/tmp/x');
});

test('unknown keys are refused with the allowed keys listed', () => {
  const msg = refusal({ ...pythonExample(), downloader_parameters: { batch_sise: 10 } });
  assert.match(msg, /downloader_parameters\.batch_sise: unknown key; allowed here: .*batch_size/);
  assert.match(refusal({ ...pythonExample(), colour: 'red' }), /colour: unknown key/);
});

test('wrong types name the key, the value and the expected type', () => {
  assert.match(refusal({ ...pythonExample(), downloader_parameters: { batch_size: 'big' } }), /downloader_parameters\.batch_size = "big": expected number/);
  assert.match(refusal({ ...pythonExample(), suppress_unchanged_error: 'yes' }), /suppress_unchanged_error = "yes": expected boolean/);
});

test('impossible values are refused', () => {
  assert.match(refusal({ ...pythonExample(), downloader_parameters: { batch_size: 0 } }), /downloader_parameters\.batch_size = 0: must be ≥ 1/);
  assert.match(refusal({ ...pythonExample(), downloader_parameters: { default_rate_limit: -2 } }), /default_rate_limit = -2: must be > 0/);
  assert.match(refusal({ ...pythonExample(), downloader_parameters: { rate_multiplier: -0.5 } }), /rate_multiplier = -0.5: must be ≥ 0/);
  assert.match(refusal({ ...pythonExample(), downloader_parameters: { logger_level: 'LOUD' } }), /logger_level = "LOUD": allowed values are/);
  assert.match(refusal({ ...pythonExample(), input: { format: 'xls' } }), /input\.format = "xls": allowed values are "auto", "tsv"/);
});

test('a missing input file and missing required keys are refused', () => {
  assert.match(refusal({ ...pythonExample(), path_to_input: '/nonexistent/urls.csv' }), /path_to_input = "\/nonexistent\/urls.csv": no such file/);
  assert.match(refusal({ path_to_output: '/tmp/x' }), /path_to_input: required key is missing/);
});

test('the environment export has the Python tool\'s variable names', () => {
  const config = loadConfig(writeConfig('env.yaml', pythonExample()));
  const env = configEnvironment(config);
  assert.equal(env.PATH_TO_INPUT, input);
  assert.equal(env.OUTPUT_URLS_FOLDER, 'urls');
  assert.equal(env.DOWNLOADER_BATCH_SIZE, '10000');
  assert.equal(env.DOWNLOADER_RATE_MULTIPLIER, '0.5');
  assert.equal(env.TOOLS_NEW_RESIZE_SIZE, '224');
  assert.equal(env.CONFIG_PATH, path.join(dir, 'env.yaml'));
});

test('the CLI exits 2 with one message naming the problem', async () => {
  const cases: [string, unknown, RegExp][] = [
    ['bad-batch.yaml', { ...pythonExample(), downloader_parameters: { batch_size: 0 } }, /batch_size = 0: must be ≥ 1/],
    ['unknown.yaml', { ...pythonExample(), extra_key: 1 }, /extra_key: unknown key/],
    ['no-input.yaml', { ...pythonExample(), path_to_input: path.join(dir, 'missing.tsv') }, /path_to_input = .*missing\.tsv": no such file/],
    ['broken.yaml', 'path_to_input: [unclosed', /not valid YAML/],
  ];
  for (const [name, value, pattern] of cases) {
    const result = await runCliBin(DOWNLOADER_BIN, [writeConfig(name, value)]);
    assert.equal(result.code, 2, `${name}: exit code (stderr: ${result.stderr})`);
    assert.match(result.stderr, pattern, name);
  }
  const missing = await runCliBin(DOWNLOADER_BIN, [path.join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read the configuration file \(ENOENT\)/);
});

test('--help works for both programs and lists the reset flags', async () => {
  const main = await runCliBin(DOWNLOADER_BIN, ['--help']);
  assert.equal(main.code, 0);
  assert.match(main.stdout, /--reset-batched/);
  assert.match(main.stdout, /--reset-profiled/);
  const tools = await runCliBin(TOOLS_BIN, ['--help']);
  assert.equal(tools.code, 0);
  assert.match(tools.stdout, /--reset-filtering/);
  const usage = await runCliBin(DOWNLOADER_BIN, ['--no-such-flag', 'x.yaml']);
  assert.equal(usage.code, 2);
});

test('engine headers the client sets itself, and zero timeouts, are refused', () => {
  const msg = refusal({ ...pythonExample(), engine: { headers: { Connection: 'close' }, ttfb_timeout_ms: 0 } });
  assert.match(msg, /engine\.ttfb_timeout_ms = 0: must be ≥ 1/);
  assert.match(msg, /engine\.headers\.Connection: key "Connection" is not allowed/);
  assert.match(refusal({ ...pythonExample(), controller: { algorithm: 'bbr' } }), /controller\.algorithm = "bbr": allowed values are "adaptive", "aimd", "paarc", "fixed"/);
  assert.match(refusal({ ...pythonExample(), image: { encoding: 'gif' } }), /image\.encoding = "gif": allowed values are/);
});

test("the Python tool's header line joins the request headers", async () => {
  const { engineOptionsOf } = await import('../../src/pipeline/runtime-options.js');
  const config = validateConfig({ ...pythonExample(), downloader_parameters: { header: 'User-Agent: Imageomics Institute (https://imageomics.org)' } }, path.join(dir, 'c.yaml'));
  assert.equal(engineOptionsOf(config).user_agent, 'Imageomics Institute (https://imageomics.org)');
  const other = validateConfig({ ...pythonExample(), downloader_parameters: { header: 'From: data@example.org' } }, path.join(dir, 'c.yaml'));
  assert.equal(engineOptionsOf(other).headers.From, 'data@example.org');
});
