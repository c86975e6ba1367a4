import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { EngineError } from '../../src/engine/errors.js';
import { ImageProcessor } from '../../src/engine/image.js';
import { IMAGE_DEFAULTS, type ImageOptions } from '../../src/engine/options.js';
import { pngChunk, solidJpeg } from './helpers.js';

const context = { url: 'http://example.org/x', host: 'example.org', attempt: 1 };
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const processor = (overrides: Partial<ImageOptions> = {}) => new ImageProcessor({ ...IMAGE_DEFAULTS, ...overrides });

const RED = { r: 255, g: 0, b: 0 };
const BLUE = { r: 0, g: 0, b: 255 };

function solidPng(width: number, height: number, background = RED): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();
}

/** Left half red, right half blue. */
async function splitPng(width: number, height: number): Promise<Buffer> {
  const half = await sharp({ create: { width: width / 2, height, channels: 3, background: BLUE } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: RED } })
    .composite([{ input: half, left: width / 2, top: 0 }])
    .png()
    .toBuffer();
}

/** A PNG declaring `width`×`height` pixels with hardly any pixel data: under a hundred bytes. */
function tinyPngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(1_000))), pngChunk('IEND', Buffer.alloc(0))]);
}

async function rejectsWith(promise: Promise<unknown>, code: number, errorClass: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof EngineError, String(err));
    assert.equal(err.code, code, err.message);
    assert.equal(err.errorClass, errorClass);
    return true;
  });
}

describe('ImageProcessor', () => {
  it('shrinks the longer side to image_size keeping the aspect ratio; sizes are [height, width]', async () => {
    const landscape = await solidJpeg(640, 480);
    const a = await processor().process(landscape, context);
    assert.deepEqual(a.originalSize, [480, 640]);
    assert.deepEqual(a.resizedSize, [168, 224]);
    const stored = await sharp(a.image).metadata();
    assert.equal(stored.format, 'jpeg');
    assert.deepEqual([stored.height, stored.width], [168, 224]);

    const b = await processor().process(await solidJpeg(300, 500), context);
    assert.deepEqual(b.originalSize, [500, 300]);
    assert.equal(b.resizedSize[0], 224);
    assert.ok(Math.abs(b.resizedSize[1] - (300 * 224) / 500) <= 1);
  });

  it('never enlarges', async () => {
    const result = await processor().process(await solidJpeg(100, 50), context);
    assert.deepEqual(result.originalSize, [50, 100]);
    assert.deepEqual(result.resizedSize, [50, 100]);
  });

  it('gives the MD5 of the downloaded and of the stored bytes', async () => {
    const input = await solidJpeg(640, 480);
    const result = await processor().process(input, context);
    assert.equal(result.hashsumOriginal, md5(input));
    assert.equal(result.hashsumResized, md5(result.image));
    assert.notEqual(result.hashsumOriginal, result.hashsumResized);
  });

  it('applies the EXIF orientation before measuring and resizing', async () => {
    // 40 wide, 20 high, left half red; orientation 6 shows it turned 90° clockwise: 20 wide, 40 high, top half red.
    const rotated = await sharp(await splitPng(40, 20)).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const result = await processor({ encoding: 'raw_bgr' }).process(rotated, context);
    assert.deepEqual(result.originalSize, [40, 20]);
    assert.deepEqual(result.resizedSize, [40, 20]);
    const pixel = (row: number, col: number) => [...result.image.subarray((row * 20 + col) * 3, (row * 20 + col) * 3 + 3)];
    const [b0, , r0] = pixel(2, 10);
    const [b1, , r1] = pixel(37, 10);
    assert.ok(r0! > 200 && b0! < 60, `top should be red, got ${pixel(2, 10)}`);
    assert.ok(b1! > 200 && r1! < 60, `bottom should be blue, got ${pixel(37, 10)}`);
  });

  it('keeps the first frame of an animated GIF', async () => {
    const frames = await Promise.all([solidPng(10, 8, RED), solidPng(10, 8, BLUE)]);
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    assert.equal((await sharp(gif).metadata()).pages, 2);
    const result = await processor({ encoding: 'raw_bgr' }).process(gif, context);
    assert.deepEqual(result.originalSize, [8, 10]);
    assert.equal(result.image.length, 8 * 10 * 3);
    assert.deepEqual([...result.image.subarray(0, 3)], [0, 0, 255]);
  });

  it('stores raw_bgr as height×width×3 bytes in B, G, R order', async () => {
    const result = await processor({ encoding: 'raw_bgr' }).process(await solidPng(300, 200, { r: 10, g: 100, b: 250 }), context);
    assert.deepEqual(result.resizedSize, [149, 224]);
    assert.equal(result.image.length, 149 * 224 * 3);
    assert.deepEqual([...result.image.subarray(0, 3)], [250, 100, 10]);
    assert.deepEqual([...result.image.subarray(-3)], [250, 100, 10]);
  });

  it('expands greyscale and drops alpha for raw_bgr', async () => {
    const rgba = await sharp({ create: { width: 4, height: 2, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } }).png().toBuffer();
    const a = await processor({ encoding: 'raw_bgr' }).process(rgba, context);
    assert.equal(a.image.length, 4 * 2 * 3);
    const grey = await sharp(await solidPng(4, 2, { r: 90, g: 90, b: 90 })).toColourspace('b-w').png().toBuffer();
    const b = await processor({ encoding: 'raw_bgr' }).process(grey, context);
    assert.equal(b.image.length, 4 * 2 * 3);
  });

  it('encodes webp and png on request', async () => {
    const input = await solidJpeg(400, 400);
    assert.equal((await sharp((await processor({ encoding: 'webp' }).process(input, context)).image).metadata()).format, 'webp');
    assert.equal((await sharp((await processor({ encoding: 'png' }).process(input, context)).image).metadata()).format, 'png');
  });

  it('with encoding original keeps the downloaded bytes when no resize is needed, else re-encodes in the input format', async () => {
    const small = await solidJpeg(200, 100);
    const kept = await processor({ encoding: 'original' }).process(small, context);
    assert.equal(kept.image, small);
    assert.equal(kept.hashsumResized, kept.hashsumOriginal);
    assert.deepEqual(kept.resizedSize, [100, 200]);

    const large = await solidPng(500, 250);
    const shrunk = await processor({ encoding: 'original' }).process(large, context);
    assert.deepEqual(shrunk.resizedSize, [112, 224]);
    assert.equal((await sharp(shrunk.image).metadata()).format, 'png');
  });

  it('refuses HTML, SVG and empty bodies as not an image (-6)', async () => {
    await rejectsWith(processor().process(Buffer.from('<!doctype html><title>x</title>'), context), -6, 'not_an_image');
    await rejectsWith(processor().process(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'), context), -6, 'not_an_image');
    await rejectsWith(processor().process(Buffer.alloc(0), context), -6, 'not_an_image');
  });

  it('refuses a decompression bomb from its header alone (-12)', async () => {
    for (const side of [10_000, 100_000]) {
      const bomb = tinyPngClaiming(side, side);
      assert.ok(bomb.length < 100);
      await rejectsWith(processor().process(bomb, context), -12, 'decompression_bomb');
    }
    await rejectsWith(processor({ limit_input_pixels: 10_000 }).process(await solidPng(200, 100), context), -12, 'decompression_bomb');
  });

  it('reports corrupt image data as a processing error (-2)', async () => {
    const noise = Buffer.alloc(256 * 256 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const jpeg = await sharp(noise, { raw: { width: 256, height: 256, channels: 3 } }).jpeg().toBuffer();
    const corrupt = Buffer.from(jpeg);
    // Keep the headers, cut the entropy-coded data short and end the file.
    const cut = Buffer.concat([corrupt.subarray(0, Math.floor(corrupt.length / 3)), Buffer.from([0xff, 0xd9])]);
    await rejectsWith(processor().process(cut, context), -2, 'processing');
  });
});
