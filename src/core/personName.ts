import { EcertError } from './errors';

/**
 * Holder names, normalised in ONE place for issuance and look-up alike (security.md, "Names"):
 * Unicode NFC (UAX #15), full-width ASCII forms (U+FF01–FF5E, as typed with a Chinese IME)
 * and the ideographic space folded to ASCII, runs of white space made one space, trimmed.
 * White space between two Han characters is removed: a Chinese name has none, and name lists
 * pad two-character names to the width of three (王　明, 王  明) to align them.
 */
export function normalizeName(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\s\u3000]+/gu, ' ')
    .replace(/(\p{Script=Han}) (?=\p{Script=Han})/gu, '$1')
    .trim();
}

/** Scripts a name's letters may combine (UTS #39 §5.2 "Highly Restrictive"); any single script is allowed too. */
const SCRIPT_SETS: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

const SCRIPTS = ['Han', 'Latin', 'Cyrillic', 'Greek', 'Hiragana', 'Katakana', 'Hangul', 'Bopomofo', 'Arabic', 'Tibetan', 'Mongolian', 'Yi', 'Thai', 'Armenian', 'Georgian', 'Hebrew'] as const;
const SCRIPT_RE = SCRIPTS.map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')] as const);

function scriptOf(ch: string): string {
  for (const [name, re] of SCRIPT_RE) if (re.test(ch)) return name;
  return 'Other';
}

/**
 * Invisible or look-alike characters that can make two names look the same (UTS #39 §3.1,
 * Unicode's Default_Ignorable_Code_Point and the Hangul/Braille fillers).
 */
const INVISIBLE_FILLERS = /[\u115F\u1160\u3164\uFFA0\u2800\u180B-\u180F\u034F\u17B4\u17B5]/u;

export interface NameRule {
  id: string;
  /** true when the name breaks the rule */
  test(name: string): boolean;
  zh: string;
  en: string;
}

/** The rules, in the order they are checked; the first that fails names the problem. */
export const NAME_RULES: readonly NameRule[] = [
  { id: 'empty', test: (n) => n.length === 0, zh: '姓名为空', en: 'the name is empty' },
  { id: 'length', test: (n) => Array.from(n).length > 40, zh: '姓名超过 40 个字符', en: 'more than 40 characters' },
  { id: 'control', test: (n) => /\p{Cc}/u.test(n), zh: '含有控制字符', en: 'contains control characters' },
  { id: 'format', test: (n) => /\p{Cf}/u.test(n), zh: '含有格式字符（如零宽字符、方向控制符）', en: 'contains format characters (zero-width, direction controls)' },
  { id: 'variation-selector', test: (n) => /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u.test(n), zh: '含有异体字选择符', en: 'contains variation selectors' },
  { id: 'private-use', test: (n) => /[\p{Co}\p{Cs}\p{Cn}]/u.test(n), zh: '含有私用区或未分配的字符', en: 'contains private-use or unassigned characters' },
  { id: 'invisible', test: (n) => INVISIBLE_FILLERS.test(n), zh: '含有不可见的填充字符', en: 'contains invisible filler characters' },
  { id: 'marks-only', test: (n) => !/\p{L}/u.test(n) || /^\p{M}/u.test(n), zh: '姓名须以文字开头，不能只有附加符号', en: 'must start with a letter, not only combining marks' },
  {
    id: 'characters',
    test: (n) => !/^[\p{L}\p{M}](?:[\p{L}\p{M}·・.\-' ]*[\p{L}\p{M}])?$/u.test(n),
    zh: '只允许文字、间隔号“·”、连字符、撇号和单个空格',
    en: "only letters, the middle dot '·', hyphen, apostrophe and single spaces",
  },
  {
    id: 'mixed-scripts',
    test: (n) => {
      const scripts = new Set(Array.from(n).filter((c) => /\p{L}/u.test(c)).map(scriptOf));
      if (scripts.size <= 1) return false;
      return !SCRIPT_SETS.some((allowed) => [...scripts].every((s) => allowed.has(s)));
    },
    zh: '混用了容易混淆的文字（如拉丁字母中夹杂西里尔字母）',
    en: 'mixes scripts that imitate each other (e.g. a Cyrillic letter inside a Latin name)',
  },
];

/** The normalised name, or ERR_NAME_INVALID naming the rule it breaks. */
export function checkName(raw: string, field = 'holder.name'): string {
  const name = normalizeName(raw);
  const broken = NAME_RULES.find((r) => r.test(name));
  if (broken) throw new EcertError('ERR_NAME_INVALID', { zh: broken.zh, en: broken.en, details: { field, rule: broken.id } });
  return name;
}

/**
 * ID numbers as typed: full-width digits and letters to ASCII (NFKC), white space and invisible
 * format characters removed (Unicode general category Cf: zero-width space, word joiner,
 * direction marks, soft hyphen, which text copied from a web page or a document carries
 * along), a leading apostrophe removed (the mark spreadsheet users type to keep a number as
 * text, which some programs export with the cell; no ID document number has one), upper case.
 */
export function normalizeIdNumber(raw: string): string {
  return raw.normalize('NFKC').replace(/[\s\p{Cf}]+/gu, '').replace(/^['‘’]/u, '').toUpperCase();
}
