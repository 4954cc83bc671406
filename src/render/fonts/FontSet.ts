import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EcertError } from '../../core/errors';
import { TrueTypeFont } from './TrueTypeFont';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEFAULT_MANIFEST = join(ROOT, 'templates/fonts/fonts.json');
const require = createRequire(import.meta.url);

interface ManifestEntry {
  name: string;
  package?: string;
  file?: string;
  paths?: string[];
  required?: boolean;
}

export interface ShapedGlyph {
  fontIndex: number;
  gid: number;
  /** The character(s) this glyph stands for (for ToUnicode). */
  text: string;
  codePoint: number;
  /** Advance in 1/1000 em. */
  advance: number;
}

/**
 * The chain of fonts of templates/fonts/fonts.json: the first font that has a character
 * sets it. Loaded once per process. A character no font has is an error naming it
 * (ERR_GLYPH_MISSING): a certificate never shows an empty box.
 */
export class FontSet {
  private static readonly cache = new Map<string, FontSet>();

  private readonly loaded: Array<TrueTypeFont | undefined>;

  /** Fallback fonts (large, rarely needed) are read on the first character the ones before them lack. */
  private constructor(private readonly paths: string[]) {
    this.loaded = paths.map((_, i) => (i === 0 ? TrueTypeFont.load(paths[0]) : undefined));
  }

  /** The font at `index` of the chain. */
  font(index: number): TrueTypeFont {
    return (this.loaded[index] ??= TrueTypeFont.load(this.paths[index]));
  }

  static load(manifestPath = DEFAULT_MANIFEST): FontSet {
    let set = FontSet.cache.get(manifestPath);
    if (!set) {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { fonts: ManifestEntry[] };
      const paths: string[] = [];
      manifest.fonts.forEach((entry, i) => {
        const path = resolveFont(entry);
        if (path) paths.push(path);
        else if (entry.required || i === 0) throw new EcertError('ERR_CONFIG', { zh: `缺少字体 ${entry.name}`, en: `required font not found: ${entry.name}` });
      });
      set = new FontSet(paths);
      FontSet.cache.set(manifestPath, set);
    }
    return set;
  }

  /** Glyphs for `text`, each from the first font that has it; throws ERR_GLYPH_MISSING listing every missing character. */
  shape(text: string): ShapedGlyph[] {
    const out: ShapedGlyph[] = [];
    const missing: string[] = [];
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      const found = this.find(cp);
      if (!found) {
        missing.push(ch);
        continue;
      }
      const [fontIndex, gid] = found;
      const font = this.font(fontIndex);
      out.push({ fontIndex, gid, text: ch, codePoint: cp, advance: (font.advance(gid) * 1000) / font.unitsPerEm });
    }
    if (missing.length) throw glyphMissing(missing);
    return out;
  }

  /** Characters of `text` that no font of the chain has. */
  missing(text: string): string[] {
    return [...new Set(Array.from(text).filter((ch) => !this.find(ch.codePointAt(0)!)))];
  }

  measure(text: string, fontSize: number): number {
    return (this.shape(text).reduce((w, g) => w + g.advance, 0) * fontSize) / 1000;
  }

  private find(cp: number): [number, number] | undefined {
    for (let i = 0; i < this.paths.length; i++) {
      const gid = this.font(i).glyphId(cp);
      if (gid) return [i, gid];
    }
    return undefined;
  }
}

function glyphMissing(chars: string[]): EcertError {
  const unique = [...new Set(chars)];
  const list = unique.map((c) => `${c} (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`).join(', ');
  return new EcertError('ERR_GLYPH_MISSING', { zh: unique.join('、'), en: list, details: { characters: unique } });
}

function resolveFont(entry: ManifestEntry): string | undefined {
  if (entry.package && entry.file) {
    try {
      const pkg = dirname(require.resolve(`${entry.package}/package.json`));
      const p = join(pkg, entry.file);
      if (existsSync(p)) return p;
    } catch {
      // package not installed: fall through to paths
    }
  }
  for (const p of entry.paths ?? []) {
    const abs = isAbsolute(p) ? p : join(ROOT, p);
    if (existsSync(abs)) return abs;
  }
  return undefined;
}
