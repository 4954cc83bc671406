import { num } from './pdf/PdfWriter';
import type { TextSetter } from './text/TextSetter';

/** Issue 12: the words every sample carries across its page. */
export const SAMPLE_WATERMARK_TEXT = '样本 SAMPLE';

/** Fill alpha of the watermark: the certificate stays legible under it (ISO 32000-1 §11.3.7.2, /ca). */
export const SAMPLE_WATERMARK_ALPHA = 0.28;
/** Vermilion, darker than the border's (src/render/artwork/borderArtwork.ts), so it reads as a stamp over the page. */
const COLOUR = '0.78 0.1 0.08';

/**
 * Issue 12 ("Samples cannot pass for certificates"): 样本 SAMPLE set large along the page's
 * diagonal, semi-transparent, in the page content itself after the certificate's text, so it
 * lies over the content and cannot be removed as an annotation could. `gsName` is the page
 * resource name of an ExtGState with /ca SAMPLE_WATERMARK_ALPHA; the caller adds it.
 */
export function sampleWatermarkOps(width: number, height: number, text: TextSetter, gsName: string): string {
  const angle = Math.atan2(height, width);
  // 70 % of the diagonal, whatever the font's advances
  const probe = text.measure(SAMPLE_WATERMARK_TEXT, { size: 100 });
  const size = Math.min(160, (0.7 * Math.hypot(width, height) * 100) / probe);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // rotate about the page's centre (ISO 32000-1 §8.3.4: cm = [cos sin -sin cos tx ty]); the baseline sits a third of the size below it
  return (
    `q /${gsName} gs ${COLOUR} rg ${COLOUR} RG\n` +
    `${num(cos)} ${num(sin)} ${num(-sin)} ${num(cos)} ${num(width / 2)} ${num(height / 2)} cm\n` +
    text.drawCentered(SAMPLE_WATERMARK_TEXT, 0, -size * 0.35, { size }) +
    'Q\n'
  );
}
