/**
 * `image_verification`: checks every stored image against its row (MD5 equals `hashsum_resized`,
 * the bytes decode, the decoded size equals `resized_size`) and removes the rows that fail, with
 * the reason.
 */
import sharp, { type OutputInfo } from 'sharp';
import type { RowDecision } from '../rewrite.js';
import { md5Hex } from '../../engine/image.js';
import type { SuccessRow } from '../rows.js';
import { KEEP, RewriteRunner } from '../runner.js';

function sizeMismatch(found: string, row: SuccessRow): RowDecision {
  const [height, width] = row.resized_size;
  return { action: 'remove', reason: 'size_mismatch', detail: `image is ${found}, resized_size says ${height}×${width}` };
}

export class ImageVerificationRunner extends RewriteRunner {
  private readonly image = this.ctx.config.image;

  /** A raw BGR buffer has no header: its length is all there is to check. */
  private checkRaw(row: SuccessRow): RowDecision {
    const [height, width] = row.resized_size;
    return row.image.byteLength === height * width * 3 ? KEEP : sizeMismatch(`${row.image.byteLength} bytes of BGR`, row);
  }

  private async checkEncoded(row: SuccessRow): Promise<RowDecision> {
    let info: OutputInfo;
    try {
      ({ info } = await sharp(row.image, { autoOrient: true, failOn: this.image.fail_on, limitInputPixels: this.image.limit_input_pixels })
        .raw()
        .toBuffer({ resolveWithObject: true }));
    } catch (err) {
      return { action: 'remove', reason: 'undecodable', detail: err instanceof Error ? err.message : String(err) };
    }
    const [height, width] = row.resized_size;
    return info.height === height && info.width === width ? KEEP : sizeMismatch(`${info.height}×${info.width}`, row);
  }

  async decide(row: SuccessRow): Promise<RowDecision> {
    const hash = md5Hex(row.image);
    if (hash !== row.hashsum_resized) {
      return { action: 'remove', reason: 'hash_mismatch', detail: `MD5 of the image is ${hash}, hashsum_resized says ${row.hashsum_resized}` };
    }
    return this.image.encoding === 'raw_bgr' ? this.checkRaw(row) : this.checkEncoded(row);
  }
}
