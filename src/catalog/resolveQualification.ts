import type { Catalog } from './Catalog';
import type { Qualification } from './catalogSchema';
import { toSimplified } from './traditionalChinese';

/**
 * A qualification as an issuing body writes it in a spreadsheet: its catalog code
 * (templates/catalog.json, case-insensitive) or its Chinese title, with or without the
 * suffixes of the rules below, and with the level before the name, after it or in brackets
 * (一级注册建筑师, 注册建筑师（一级）, 注册建筑师一级), in simplified or traditional characters
 * (traditionalChinese.ts). Never guessed: a partial or misspelt name is not resolved; it gets
 * the closest entries as suggestions.
 */
export interface Resolution {
  qualification?: Qualification;
  /** When unresolved: the closest entries, best first (at most 3), or every entry a name fits (a level missing). */
  suggestions: Qualification[];
}

/** Suffixes written after a title and dropped before comparing (longest first; applied repeatedly). */
const SUFFIXES = ['电子证书', '证书', '职业资格', '执业资格', '专业资格', '资格'] as const;
/** Levels as the catalog spells them, and their other spellings. */
const LEVELS: Record<string, string> = { 初级: '初级', 中级: '中级', 高级: '高级', 一级: '一级', 二级: '二级', 三级: '三级', '1级': '一级', '2级': '二级', '3级': '三级' };
const LEVEL_RE = Object.keys(LEVELS).join('|');
const BRACKETED_LEVEL = new RegExp(`^(.+?)[(\\[](${LEVEL_RE})[)\\]](.*)$`);
const TRAILING_LEVEL = new RegExp(`^(.+?)(${LEVEL_RE})$`);
const LEADING_LEVEL = new RegExp(`^(${LEVEL_RE})`);

/** The comparable form: NFKC (full-width brackets to ASCII), simplified characters, no white space or quotes, level first, suffixes dropped. */
export function qualificationKey(text: string): string {
  let t = toSimplified(text.normalize('NFKC')).replace(/[\s"'“”‘’「」]/g, '').toLowerCase();
  const bracket = BRACKETED_LEVEL.exec(t);
  if (bracket) t = LEVELS[bracket[2]] + bracket[1] + bracket[3];
  for (let again = true; again; ) {
    again = false;
    for (const s of SUFFIXES) {
      if (t.length > s.length && t.endsWith(s)) {
        t = t.slice(0, -s.length);
        again = true;
      }
    }
    const trailing = TRAILING_LEVEL.exec(t);
    if (trailing && !LEADING_LEVEL.test(t)) {
      t = LEVELS[trailing[2]] + trailing[1];
      again = true;
    }
  }
  const leading = LEADING_LEVEL.exec(t);
  return leading ? LEVELS[leading[1]] + t.slice(leading[1].length) : t;
}

const indexes = new WeakMap<Catalog, Map<string, Qualification[]>>();

function indexOf(catalog: Catalog): Map<string, Qualification[]> {
  let index = indexes.get(catalog);
  if (index) return index;
  index = new Map();
  const add = (key: string, q: Qualification) => {
    const list = index!.get(key) ?? [];
    if (!list.includes(q)) list.push(q);
    index!.set(key, list);
  };
  for (const q of catalog.list()) {
    add(q.code.toLowerCase(), q);
    add(qualificationKey(q.title), q);
    // the name alone: the entry, or every level of it (then ambiguous: suggestions)
    add(qualificationKey(q.name), q);
    if (q.level) add(qualificationKey(`${q.name}(${q.level})`), q);
  }
  indexes.set(catalog, index);
  return index;
}

/** What to say of a text that names no qualification: its suggestions, in both languages (validateIssueRequest.ts, the CLI). */
export function qualificationHint(suggestions: readonly Qualification[]): { zh: string; en: string } {
  return suggestions.length
    ? { zh: `是否为：${suggestions.map((q) => `${q.code}（${q.title}）`).join('、')}？可填代码或中文名称`, en: `did you mean ${suggestions.map((q) => `${q.code} (${q.title})`).join(', ')}? Give the code or the Chinese title` }
    : { zh: '可填资格代码或中文名称，见 GET /api/v1/qualifications', en: 'give a code or Chinese title of GET /api/v1/qualifications' };
}

export function resolveQualification(catalog: Catalog, text: string): Resolution {
  if (catalog.has(text)) return { qualification: catalog.get(text), suggestions: [] };
  const key = qualificationKey(text);
  const found = key ? indexOf(catalog).get(key) : undefined;
  if (found?.length === 1) return { qualification: found[0], suggestions: [] };
  if (found?.length) return { suggestions: found };
  return { suggestions: closest(catalog, key) };
}

/** Entries by similarity: containment either way, else the Dice coefficient of character bigrams (of the code for ASCII input). */
function closest(catalog: Catalog, key: string, max = 3): Qualification[] {
  if (!key) return [];
  const ascii = /^[\x20-\x7e]+$/.test(key);
  const scored = catalog.list().map((q) => {
    const target = ascii ? q.code : qualificationKey(q.title);
    const score = target.includes(key) || key.includes(target) ? 1 + Math.min(key.length, target.length) / Math.max(key.length, target.length) : dice(key, target);
    return { q, score };
  });
  return scored
    .filter((s) => s.score >= 0.3)
    .sort((a, b) => b.score - a.score)
    .slice(0, max)
    .map((s) => s.q);
}

function dice(a: string, b: string): number {
  const grams = (s: string) => {
    const chars = Array.from(s);
    return chars.length < 2 ? chars : chars.slice(1).map((c, i) => chars[i] + c);
  };
  const x = grams(a);
  const y = grams(b);
  if (!x.length || !y.length) return 0;
  const pool = [...y];
  let common = 0;
  for (const g of x) {
    const i = pool.indexOf(g);
    if (i >= 0) {
      common++;
      pool.splice(i, 1);
    }
  }
  return (2 * common) / (x.length + y.length);
}

/**
 * A qualification's specialty (专业类别) as a sheet writes it: its name or code, in simplified
 * or traditional characters, white space around it ignored; undefined when it is none of them.
 */
export function resolveSpecialty(q: Qualification, text: string): NonNullable<Qualification['specialties']>[number] | undefined {
  const t = toSimplified(text.normalize('NFKC').trim());
  return q.specialties?.find((s) => s.name === t || s.code === t);
}
