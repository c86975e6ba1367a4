/**
 * `resize`: shrinks stored images whose longer side is above `tools_parameters.new_resize_size` to
 * that size (aspect kept), in the stored encoding, and updates `resized_size` and
 * `hashsum_resized`. The trail keeps each image as it was.
 */
import sharp from 'sharp';
import { ImageProcessor, md5Hex } from '../../engine/image.js';
import { imageOptionsOf } from '../../pipeline/runtime-options.js';
import type { RowDecision } from '../rewrite.js';
import type { Size, SuccessRow } from '../rows.js';
import { KEEP, RewriteRunner } from '../runner.js';

interface Resized {
  image: Uint8Array;
  size: Size;
}

/** The Python tool's raw BGR buffers: resizing works on the bands alike, so BGR stays BGR. */
async function resizeRaw(row: SuccessRow, side: number): Promise<Resized> {
  const [height, width] = row.resized_size;
  const { data, info } = await sharp(row.image, { raw: { width, height, channels: 3 } })
    .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { image: data, size: [info.height, info.width] };
}

export class ResizeRunner extends RewriteRunner {
  private readonly side = this.ctx.config.tools_parameters.new_resize_size;
  private readonly options = { ...imageOptionsOf(this.ctx.config), image_size: this.side };
  /** Encoded images go through the download's own processing, so they come out as a download at this size would. */
  private readonly processor = new ImageProcessor(this.options);

  private async resizeEncoded(row: SuccessRow): Promise<Resized> {
    const input = Buffer.from(row.image.buffer, row.image.byteOffset, row.image.byteLength);
    const out = await this.processor.process(input, { url: row.identifier, host: row.server_name });
    return { image: out.image, size: out.resizedSize };
  }

  async decide(row: SuccessRow): Promise<RowDecision> {
    const [height, width] = row.resized_size;
    if (Math.max(height, width) <= this.side) return KEEP;
    let resized: Resized;
    try {
      resized = this.options.encoding === 'raw_bgr' ? await resizeRaw(row, this.side) : await this.resizeEncoded(row);
    } catch (err) {
      // Not this tool's call to drop an image: image_verification finds and removes broken ones.
      this.ctx.log.warn({ uuid: row.uuid, err }, 'image cannot be decoded; left as it is');
      return KEEP;
    }
    return {
      action: 'replace',
      row: { ...row, image: resized.image, resized_size: resized.size, hashsum_resized: md5Hex(resized.image) },
      reason: 'resized',
      detail: `${height}×${width} → ${resized.size[0]}×${resized.size[1]}`,
    };
  }
}
