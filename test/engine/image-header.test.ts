import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { readImageHeader } from '../../src/engine/image-header.js';
import { pngChunk } from './helpers.js';

const RGB = { width: 96, height: 64, channels: 3 as const, background: { r: 200, g: 30, b: 60 } };
const RGBA = { ...RGB, channels: 4 as const, background: { ...RGB.background, alpha: 0.5 } };

/** What sharp's header read says, in the reader's terms. */
async function sharpHeader(bytes: Buffer): Promise<{ format: string; width: number; height: number }> {
  const { format, autoOrient } = await sharp(bytes).metadata();
  return { format, width: autoOrient.width, height: autoOrient.height };
}

/** Offset of the first segment with `marker` in a JPEG. */
function segmentAt(jpeg: Buffer, marker: number): number {
  for (let at = 2; at < jpeg.length; at += 2 + jpeg.readUInt16BE(at + 2)) if (jpeg[at + 1] === marker) return at;
  throw new Error(`no marker ${marker.toString(16)}`);
}

describe('readImageHeader', () => {
  it('reads JPEGs and PNGs as sharp does, EXIF orientation included', async () => {
    const create = sharp({ create: RGB });
    const images: [string, Buffer][] = [
      ['baseline JPEG', await create.clone().jpeg().toBuffer()],
      ['progressive JPEG', await create.clone().jpeg({ progressive: true }).toBuffer()],
      ['greyscale JPEG', await create.clone().greyscale().jpeg().toBuffer()],
      ['CMYK JPEG', await create.clone().toColourspace('cmyk').jpeg().toBuffer()],
      ['RGB PNG', await create.clone().png().toBuffer()],
      ['interlaced 16-bit PNG', await create.clone().png({ progressive: true }).toColourspace('rgb16').toBuffer()],
      ['RGBA PNG', await sharp({ create: RGBA }).png().toBuffer()],
    ];
    for (let orientation = 1; orientation <= 8; orientation++) {
      images.push([`JPEG, orientation ${orientation}`, await create.clone().jpeg().withMetadata({ orientation }).toBuffer()]);
    }
    for (const [name, bytes] of images) {
      assert.deepEqual(readImageHeader(bytes), await sharpHeader(bytes), name);
    }
    // The orientations that turn the image were really there.
    assert.deepEqual(readImageHeader(images.at(-1)![1]), { format: 'jpeg', width: 64, height: 96 });
  });

  it('leaves to sharp what it does not plainly read', async () => {
    const jpeg = await sharp({ create: RGB }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const png = await sharp({ create: RGB }).png().toBuffer();
    const twelveBit = Buffer.from(jpeg);
    twelveBit[segmentAt(jpeg, 0xc0) + 4] = 12;
    const app1 = segmentAt(jpeg, 0xe1);
    const exif = jpeg.subarray(app1, app1 + 2 + jpeg.readUInt16BE(app1 + 2));
    const twoExif = Buffer.concat([jpeg.subarray(0, app1), exif, jpeg.subarray(app1)]);
    // An eXIf chunk right after IHDR (33 bytes in): libvips applies its orientation.
    const pngExif = Buffer.concat([png.subarray(0, 33), pngChunk('eXIf', exif.subarray(10)), png.subarray(33)]);
    const others: [string, Buffer][] = [
      ['WebP', await sharp({ create: RGB }).webp().toBuffer()],
      ['GIF', await sharp({ create: RGB }).gif().toBuffer()],
      ['HTML', Buffer.from('<!doctype html><html></html>')],
      ['empty', Buffer.alloc(0)],
      ['a JPEG cut inside its headers', jpeg.subarray(0, 40)],
      ['a 12-bit JPEG', twelveBit],
      ['a JPEG with two EXIF blocks', twoExif],
      ['a PNG with an eXIf chunk', pngExif],
    ];
    for (const [name, bytes] of others) assert.equal(readImageHeader(bytes), undefined, name);
    // The made-up files are still what they claim, for sharp.
    assert.equal((await sharp(twoExif).metadata()).width, 96);
    assert.equal((await sharp(pngExif).metadata()).format, 'png');
  });
});
