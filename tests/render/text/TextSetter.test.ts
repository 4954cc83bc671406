import { describe, expect, it } from 'vitest';
import { TextSetter, type GlyphEncoder } from '../../../src/render/text/TextSetter';

/** A fake encoder: every character one glyph 1000 units wide (one em), one font. */
const monospace: GlyphEncoder = {
  encodeRuns: (text) => [{ resourceName: 'F1', hex: Array.from(text).map((_, i) => (i + 1).toString(16).padStart(4, '0')).join(''), width: Array.from(text).length * 1000 }],
};

describe('TextSetter', () => {
  const t = new TextSetter(monospace);
  it('measures with tracking between characters only', () => {
    expect(t.measure('中华人民', { size: 10 })).toBe(40);
    expect(t.measure('中华人民', { size: 10, tracking: 0.5 })).toBe(40 + 3 * 5);
  });

  it('wraps CJK prose to the width, never starting a line with closing punctuation', () => {
    const lines = t.wrap('一二三四，五六七八九。', 40, { size: 10 });
    expect(lines.join('')).toBe('一二三四，五六七八九。');
    for (const l of lines) expect(t.measure(l, { size: 10 })).toBeLessThanOrEqual(50);
    for (const l of lines) expect('，。、').not.toContain(Array.from(l)[0]);
  });

  it('honours the first-line indent', () => {
    const lines = t.wrap('一二三四五六七八', 40, { size: 10 }, 20);
    expect(lines[0]).toBe('一二');
    expect(lines[1]).toBe('三四五六');
  });

  it('never ends a line with opening punctuation, and keeps a lone character on its line', () => {
    expect(t.wrap('一二三《四》五', 40, { size: 10 })).toEqual(['一二三', '《四》五']);
    expect(t.wrap('一，二', 10, { size: 10 })).toEqual(['一', '，', '二']); // no empty line for the pull
  });

  it('wraps with the widths of the lines drawn whole, tracking and scale included', () => {
    const style = { size: 10, tracking: 0.2, scale: 90 };
    const lines = t.wrap('一二三四五六七八九十甲乙丙丁', 50, style);
    expect(lines.join('')).toBe('一二三四五六七八九十甲乙丙丁');
    for (const l of lines) expect(t.measure(l, style)).toBeLessThanOrEqual(50.01);
    for (const l of lines.slice(0, -1)) expect(t.measure(l + '一', style)).toBeGreaterThan(50.01);
  });

  it('encodes each character of wrapped prose once (no re-measuring of the growing line)', () => {
    let encoded = 0;
    const counting = new TextSetter({ encodeRuns: (text) => ((encoded += Array.from(text).length), monospace.encodeRuns(text)) });
    const prose = '本证书由中华人民共和国人力资源和社会保障部批准颁发，表明持证人通过国家统一组织的考试，取得相应的职业资格。'.repeat(4);
    counting.wrap(prose, 120, { size: 10 });
    expect(encoded).toBe(Array.from(prose).length);
  });

  it('emits fill+stroke for bold and centres by the measured width', () => {
    const ops = t.drawCentered('中华', 100, 50, { size: 10, bold: true });
    expect(ops).toContain('2 Tr');
    expect(ops).toContain('90 50 Td');
  });
});
