/**
 * The image files the farm serves: real JPEG, PNG and GIF bytes, generated once with sharp from a
 * deterministic pixel pattern and cached on disk outside git, then held in memory so that serving
 * costs no I/O and no encoding.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createRng } from './rng.js';

export const IMAGE_VARIANTS = ['small', 'medium', 'large', 'png', 'gif'] as const;
export type ImageVariant = (typeof IMAGE_VARIANTS)[number];

type Format = 'jpeg' | 'png' | 'gif';

interface VariantRecipe {
  width: number;
  height: number;
  format: Format;
  /** Amplitude of per-pixel noise; more noise, larger files (the large JPEG should weigh like a photo). */
  noise: number;
}

const RECIPES: Record<ImageVariant, VariantRecipe> = {
  small: { width: 100, height: 75, format: 'jpeg', noise: 0 },
  medium: { width: 640, height: 480, format: 'jpeg', noise: 0 },
  large: { width: 1600, height: 1200, format: 'jpeg', noise: 24 },
  png: { width: 256, height: 192, format: 'png', noise: 0 },
  gif: { width: 160, height: 120, format: 'gif', noise: 0 },
};

const EXTENSION: Record<Format, string> = { jpeg: 'jpg', png: 'png', gif: 'gif' };
const CONTENT_TYPE: Record<Format, string> = { jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif' };

/** Bump when the pixel pattern or recipes change, so stale cached files are not served. */
const RECIPE_VERSION = 1;

export interface FarmImage {
  readonly variant: ImageVariant;
  readonly width: number;
  readonly height: number;
  readonly ext: string;
  readonly contentType: string;
  readonly bytes: Buffer;
}

export type ImageSet = Readonly<Record<ImageVariant, FarmImage>>;

export function extensionOf(variant: ImageVariant): string {
  return EXTENSION[RECIPES[variant].format];
}

export function isImageVariant(value: string): value is ImageVariant {
  return (IMAGE_VARIANTS as readonly string[]).includes(value);
}

/**
 * Where generated images are cached: `$XDG_CACHE_HOME/distributed-downloader-farm` when set, else
 * `node_modules/.cache/distributed-downloader-farm` of the enclosing package. The sharp version is part
 * of the path because another libvips may encode different bytes.
 */
export function imageCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME
    ? join(process.env.XDG_CACHE_HOME, 'distributed-downloader-farm')
    : join(packageRoot(), 'node_modules', '.cache', 'distributed-downloader-farm');
  return join(base, `v${RECIPE_VERSION}-sharp-${sharp.versions.sharp ?? 'unknown'}`);
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return process.cwd();
}

function pixels(recipe: VariantRecipe, seed: number): Buffer {
  const { width: w, height: h, noise } = recipe;
  const rng = createRng(seed);
  const buf = Buffer.allocUnsafe(w * h * 3);
  const channel = (value: number): number =>
    Math.max(0, Math.min(255, Math.round(value + (noise > 0 ? (rng.next() - 0.5) * noise : 0))));
  for (let y = 0; y < h; y++) {
    const v = y / h;
    for (let x = 0; x < w; x++) {
      const u = x / w;
      const i = (y * w + x) * 3;
      buf[i] = channel(128 + 100 * Math.sin(6.3 * u + 2 * v));
      buf[i + 1] = channel(128 + 100 * Math.sin(9 * v - 3 * u * v));
      buf[i + 2] = channel(128 + 100 * Math.cos(48 * (u - 0.5) * (v - 0.5)));
    }
  }
  return buf;
}

async function encode(variant: ImageVariant): Promise<Buffer> {
  const recipe = RECIPES[variant];
  const raw = sharp(pixels(recipe, IMAGE_VARIANTS.indexOf(variant) + 1), {
    raw: { width: recipe.width, height: recipe.height, channels: 3 },
  });
  switch (recipe.format) {
    case 'jpeg':
      return raw.jpeg({ quality: 80 }).toBuffer();
    case 'png':
      return raw.png().toBuffer();
    case 'gif':
      return raw.gif().toBuffer();
  }
}

async function loadOrCreate(dir: string, variant: ImageVariant): Promise<Buffer> {
  const file = join(dir, `${variant}.${extensionOf(variant)}`);
  try {
    return await readFile(file);
  } catch {
    const bytes = await encode(variant);
    // Several test processes may race to fill the cache: write aside, then rename atomically.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    return bytes;
  }
}

let cached: Promise<ImageSet> | undefined;

/** All image variants, generated on first use and shared by every farm in the process. */
export function loadImages(): Promise<ImageSet> {
  cached ??= (async () => {
    const dir = imageCacheDir();
    await mkdir(dir, { recursive: true });
    const entries = await Promise.all(
      IMAGE_VARIANTS.map(async (variant): Promise<[ImageVariant, FarmImage]> => {
        const recipe = RECIPES[variant];
        return [
          variant,
          {
            variant,
            width: recipe.width,
            height: recipe.height,
            ext: EXTENSION[recipe.format],
            contentType: CONTENT_TYPE[recipe.format],
            bytes: await loadOrCreate(dir, variant),
          },
        ];
      }),
    );
    return Object.fromEntries(entries) as Record<ImageVariant, FarmImage>;
  })().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
