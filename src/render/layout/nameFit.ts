import type { FontSet } from '../fonts/FontSet';
import { loadLayout } from './loadLayout';

/**
 * Whether a holder's name fits the name field of its style's page: its width in the
 * certificate fonts at the field's size, from valueX to valueMaxX (templates/style*.json).
 * Checked at validation, before a 管理号 is reserved, so a name is never drawn past the border.
 * A character no font has throws ERR_GLYPH_MISSING (src/render/fonts/FontSet.ts).
 */
export function nameFitter(fonts: () => FontSet): (name: string, style: 1 | 2) => boolean {
  return (name, style) => {
    const { fields } = loadLayout(style);
    return fonts().measure(name, fields.size) <= fields.valueMaxX - fields.valueX;
  };
}
