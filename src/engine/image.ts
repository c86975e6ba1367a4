/**
 * Turns downloaded bytes into the stored image: checks that they are a raster image, applies the
 * EXIF orientation, shrinks the longer side to `image_size` (never enlarges), keeps a GIF's first
 * frame and encodes. Decoding and encoding run in sharp's (libvips') worker threads, never on the
 * event loop; a semaphore bounds how many images are decoded at once, so memory stays bounded.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import sharp, { type Sharp } from 'sharp';
import { EngineError, type ErrorContext } from './errors.js';
import { readImageHeader } from './image-header.js';
import type { ImageOptions } from './options.js';
import { Semaphore } from './semaphore.js';

/** [height, width], the order of the seed's `original_size` and `resized_size`. */
export type Size = [height: number, width: number];

export interface ProcessedImage {
  /** The stored bytes (the `image` column). */
  image: Buffer;
  /** Size after EXIF orientation, before resizing. */
  originalSize: Size;
  /** Size of the stored image. */
  resizedSize: Size;
  /** MD5 hex of the downloaded bytes. */
  hashsumOriginal: string;
  /** MD5 hex of the stored bytes. */
  hashsumResized: string;
  /** Format sharp detected in the downloaded bytes (jpeg, png, webp, gif, …). */
  inputFormat: string;
}

/** Formats accepted as downloaded images. Vector and document formats (SVG, PDF) are rendered, not downloaded pixels. */
const RASTER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif', 'jp2', 'jxl']);
/** Formats `original` encoding re-encodes a resized image into; anything else becomes JPEG. */
const REENCODABLE_FORMATS = ['jpeg', 'png', 'webp', 'gif'] as const;
type ReencodableFormat = (typeof REENCODABLE_FORMATS)[number];

/** What the header tells: the format sharp names, and the size after EXIF orientation. */
interface Header {
  format: string;
  width: number;
  height: number;
}

function isReencodable(format: string): format is ReencodableFormat {
  return (REENCODABLE_FORMATS as readonly string[]).includes(format);
}
/** Swaps the red and blue bands: sharp yields RGB, the seed stored OpenCV's BGR. */
const RGB_TO_BGR: [[number, number, number], [number, number, number], [number, number, number]] = [
  [0, 0, 1],
  [0, 1, 0],
  [1, 0, 0],
];

/** MD5 hex, as in `hashsum_original` and `hashsum_resized`. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

export class ImageProcessor {
  private readonly slots: Semaphore;

  constructor(private readonly options: ImageOptions) {
    this.slots = new Semaphore(options.concurrency > 0 ? options.concurrency : availableParallelism() * 2);
  }

  /** Processes one downloaded body; rejects with an EngineError (not an image, bomb, corrupt). */
  process(input: Buffer, context: ErrorContext): Promise<ProcessedImage> {
    return this.slots.run(() => this.run(input, context));
  }

  private async run(input: Buffer, context: ErrorContext): Promise<ProcessedImage> {
    const hashsumOriginal = md5Hex(input);
    const meta = await this.readHeader(input, context);
    const originalSize: Size = [meta.height, meta.width];
    const needsResize = Math.max(...originalSize) > this.options.image_size;
    if (this.options.encoding === 'original' && !needsResize) {
      return { image: input, originalSize, resizedSize: originalSize, hashsumOriginal, hashsumResized: hashsumOriginal, inputFormat: meta.format };
    }
    let pipeline = sharp(input, { autoOrient: true, limitInputPixels: this.options.limit_input_pixels, failOn: this.options.fail_on });
    if (needsResize) {
      const side = this.options.image_size;
      pipeline = pipeline.resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true });
    }
    try {
      const { data, info } = await this.encode(pipeline, meta.format).toBuffer({ resolveWithObject: true });
      return { image: data, originalSize, resizedSize: [info.height, info.width], hashsumOriginal, hashsumResized: md5Hex(data), inputFormat: meta.format };
    } catch (err) {
      throw this.decodeError(err, context);
    }
  }

  /**
   * Reads only the header: format, dimensions after orientation. A plain JPEG or PNG within the
   * pixel limit is read in JavaScript (image-header.ts); anything else by sharp, which also
   * refuses more pixels than the limit here already.
   */
  private async readHeader(input: Buffer, context: ErrorContext): Promise<Header> {
    if (input.length === 0) throw EngineError.of('notAnImage', 'empty body', context);
    const plain = readImageHeader(input);
    if (plain !== undefined && plain.width * plain.height <= this.options.limit_input_pixels) return plain;
    let meta: Header;
    try {
      const { format, autoOrient } = await sharp(input, { limitInputPixels: this.options.limit_input_pixels }).metadata();
      meta = { format, ...autoOrient };
    } catch (err) {
      throw this.decodeError(err, context);
    }
    if (!RASTER_FORMATS.has(meta.format)) throw EngineError.of('notAnImage', `${meta.format} is not a raster image format`, context);
    return meta;
  }

  private encode(pipeline: Sharp, inputFormat: string): Sharp {
    const encoding = this.options.encoding;
    if (encoding === 'raw_bgr') {
      // OpenCV's IMREAD_COLOR drops alpha without compositing and expands grey to three bands.
      return pipeline.removeAlpha().toColourspace('srgb').recomb(RGB_TO_BGR).raw({ depth: 'uchar' });
    }
    const format = encoding !== 'original' ? encoding : isReencodable(inputFormat) ? inputFormat : 'jpeg';
    switch (format) {
      case 'jpeg':
        return pipeline.jpeg({ quality: this.options.quality });
      case 'webp':
        return pipeline.webp({ quality: this.options.quality });
      case 'png':
        return pipeline.png();
      case 'gif':
        return pipeline.gif();
    }
  }

  private decodeError(err: unknown, context: ErrorContext): EngineError {
    const message = err instanceof Error ? err.message : String(err);
    if (/unsupported image format|bad seek|Input buffer is empty/i.test(message)) return EngineError.of('notAnImage', message, context, err);
    if (/pixel limit/i.test(message)) {
      return EngineError.of('decompressionBomb', `${message} (limit_input_pixels ${this.options.limit_input_pixels})`, context, err);
    }
    return EngineError.of('processing', message, context, err);
  }
}
