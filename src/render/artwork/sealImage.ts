import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type sharpType from 'sharp';
import { EcertError } from '../../core/errors';

/**
 * The issuing body's registered seal image as the signature widget's appearance (issue 13):
 * validated once by `ecert seals set-image`, then stored ready for the PDF — 8-bit DeviceRGB
 * samples and an 8-bit soft mask (ISO 32000-1 §8.9.5, §11.6.5.3), both Flate-compressed.
 */
export interface SealImage {
  width: number;
  height: number;
  /** FlateDecode DeviceRGB samples. */
  rgb: Buffer;
  /** FlateDecode DeviceGray soft mask (the image's alpha). */
  alpha: Buffer;
  sha256: string;
  format: 'svg' | 'png';
}

/** Largest accepted file. */
export const SEAL_IMAGE_MAX_BYTES = 2 * 1024 * 1024;
/**
 * Shortest side of a PNG: 450 px is 300 dpi over the 1.5 in (108 pt) of the seal on the page
 * (templates/style*.json seal.radius 54 pt), the resolution print needs.
 */
export const SEAL_IMAGE_MIN_PIXELS = 450;
/** Side an SVG is rasterised to (≈ 680 dpi at 108 pt) and the largest side kept for a PNG. */
export const SEAL_IMAGE_PIXELS = 1024;

const bad = (zh: string, en: string) => new EcertError('ERR_SEAL_IMAGE', { zh, en });

/** Validate an SVG or PNG seal image and turn it into the stored form. */
export async function prepareSealImage(bytes: Buffer): Promise<SealImage> {
  if (bytes.length === 0) throw bad('文件为空', 'the file is empty');
  if (bytes.length > SEAL_IMAGE_MAX_BYTES) throw bad(`文件超过 ${SEAL_IMAGE_MAX_BYTES / 1024 / 1024} MB`, `the file is larger than ${SEAL_IMAGE_MAX_BYTES / 1024 / 1024} MB`);
  const isPng = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])); // PNG signature (ISO/IEC 15948 §5.2)
  const head = bytes.subarray(0, 4096).toString('utf8');
  const isSvg = !isPng && /<svg[\s>]/i.test(head);
  if (!isPng && !isSvg) throw bad('只接受 SVG（推荐）或 PNG 格式', 'only SVG (preferred) or PNG is accepted');
  if (isSvg) {
    const text = bytes.toString('utf8');
    // nothing outside the file: no entities, scripts, external or embedded images
    if (/<!ENTITY|<script|<image|<foreignObject|(?:xlink:)?href\s*=\s*["'](?!#)/i.test(text))
      throw bad('SVG 不得包含脚本、外部引用或嵌入图像', 'the SVG must not contain scripts, entities, external references or embedded images');
  }
  // loaded here, not with the module: libvips costs every process (and render thread) that
  // loads it ~19 MB, and issuing never needs it (images are prepared once, by `ecert seals set-image`)
  const { default: sharp } = await import('sharp');
  let raw: { data: Buffer; info: sharpType.OutputInfo };
  let meta: sharpType.Metadata;
  try {
    const input = isSvg ? sharp(bytes, { density: 72, limitInputPixels: 1 << 24 }) : sharp(bytes, { limitInputPixels: 1 << 24, failOn: 'error' });
    meta = await input.metadata();
    const w = meta.width ?? 0;
    const h = meta.height ?? 0;
    if (!w || !h) throw bad('无法读取图像尺寸', 'the image has no size');
    if (Math.max(w, h) / Math.min(w, h) > 1.1) throw bad(`图像须近似正方形（当前 ${w}×${h}）`, `the image must be about square (it is ${w}×${h})`);
    if (isPng && Math.min(w, h) < SEAL_IMAGE_MIN_PIXELS)
      throw bad(`分辨率过低：至少 ${SEAL_IMAGE_MIN_PIXELS}×${SEAL_IMAGE_MIN_PIXELS} 像素（当前 ${w}×${h}）`, `resolution too low: at least ${SEAL_IMAGE_MIN_PIXELS}×${SEAL_IMAGE_MIN_PIXELS} px for 300 dpi (it is ${w}×${h})`);
    if (isPng && !meta.hasAlpha) throw bad('PNG 须带透明通道（印章外应透明）', 'the PNG must have an alpha channel (transparent around the seal)');
    const scale = isSvg ? SEAL_IMAGE_PIXELS / Math.max(w, h) : Math.min(1, SEAL_IMAGE_PIXELS / Math.max(w, h));
    const pipeline = isSvg ? sharp(bytes, { density: 72 * scale, limitInputPixels: 1 << 24 }) : sharp(bytes, { limitInputPixels: 1 << 24 }).resize(Math.round(w * scale), Math.round(h * scale));
    raw = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    if (e instanceof EcertError) throw e;
    throw bad('图像无法解析', `the image cannot be decoded (${(e as Error).message})`);
  }
  const { width, height, channels } = raw.info;
  if (channels !== 4) throw bad('图像通道数异常', `unexpected ${channels} channels`);
  const px = width * height;
  const rgb = Buffer.alloc(px * 3);
  const alpha = Buffer.alloc(px);
  let transparent = 0;
  let opaque = 0;
  for (let i = 0; i < px; i++) {
    rgb[i * 3] = raw.data[i * 4];
    rgb[i * 3 + 1] = raw.data[i * 4 + 1];
    rgb[i * 3 + 2] = raw.data[i * 4 + 2];
    const a = raw.data[i * 4 + 3];
    alpha[i] = a;
    if (a < 16) transparent++;
    else if (a > 128) opaque++;
  }
  // a seal on a white or coloured square would hide the text under it
  const corners = [0, width - 1, (height - 1) * width, height * width - 1].map((i) => alpha[i]);
  if (corners.some((a) => a > 16) || transparent < px * 0.2) throw bad('背景须透明（印章以外的区域不得有底色）', 'the background must be transparent (no fill around the seal)');
  if (opaque < px * 0.01) throw bad('图像几乎全透明', 'the image is almost entirely transparent');
  return { width, height, rgb: deflateSync(rgb, { level: 9 }), alpha: deflateSync(alpha, { level: 9 }), sha256: createHash('sha256').update(bytes).digest('hex'), format: isSvg ? 'svg' : 'png' };
}

/** Where the prepared image of a seal lives: keys/seal-images/<sealId>.json (public material beside the seal certificates). */
export function sealImagePath(keysDir: string, sealId: string): string {
  return join(keysDir, 'seal-images', `${sealId}.json`);
}

export function storeSealImage(keysDir: string, sealId: string, image: SealImage): void {
  const path = sealImagePath(keysDir, sealId);
  mkdirSync(join(keysDir, 'seal-images'), { recursive: true });
  const json = JSON.stringify({ ...image, rgb: image.rgb.toString('base64'), alpha: image.alpha.toString('base64') });
  writeFileSync(`${path}.tmp`, json);
  renameSync(`${path}.tmp`, path); // a running service never reads half a file
}

const cache = new Map<string, { stamp: string; image: SealImage | undefined }>();

/** The prepared image of a seal, or undefined (the drawn seal is used); re-read when the file changes. */
export function loadSealImage(keysDir: string, sealId: string): SealImage | undefined {
  const path = sealImagePath(keysDir, sealId);
  if (!existsSync(path)) return undefined;
  const st = statSync(path);
  const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
  const hit = cache.get(path);
  if (hit?.stamp === stamp) return hit.image;
  const j = JSON.parse(readFileSync(path, 'utf8')) as Omit<SealImage, 'rgb' | 'alpha'> & { rgb: string; alpha: string };
  const image = { ...j, rgb: Buffer.from(j.rgb, 'base64'), alpha: Buffer.from(j.alpha, 'base64') };
  cache.set(path, { stamp, image });
  return image;
}
