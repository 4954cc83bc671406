import type { AnnotationData } from '../core/types';
import { chineseDate } from '../annotate/annotationPolicy';
import type { Layout } from './layout/layoutSchema';
import { num } from './pdf/PdfWriter';
import type { TextSetter } from './text/TextSetter';

/** Frame of the band: the border's vermilion-brown (src/render/artwork/borderArtwork.ts), on a pale tint. */
const FRAME = '0.55 0.16 0.12';
const TINT = '1 0.96 0.9';

/**
 * Issue 15 (加注): the annotation of an annotated copy, printed in the band the layout reserves
 * (templates/style*.json `annotationBand`): 用途 and 有效期至 in Chinese, then the same in English
 * with the annotation's id. Only on annotated copies; the original leaves the band empty.
 */
export function annotationBandOps(band: Layout['annotationBand'], a: AnnotationData, purpose: { zh: string; en: string }, text: TextSetter): string {
  const { x, y, width, height } = band;
  const cx = x + width / 2;
  let s = `q ${TINT} rg ${FRAME} RG 0.8 w ${num(x)} ${num(y)} ${num(width)} ${num(height)} re B Q\n`;
  const zh = `加注件　用途：${purpose.zh}　有效期至：${chineseDate(a.validUntil)}`;
  const en = `Annotated copy · Purpose: ${purpose.en} · Valid until ${a.validUntil} · ${a.id}`;
  s += text.drawCentered(zh, cx, y + height * 0.56, { size: Math.min(12, height * 0.3) });
  s += text.drawCentered(en, cx, y + height * 0.2, { size: Math.min(8, height * 0.2) });
  return s;
}
