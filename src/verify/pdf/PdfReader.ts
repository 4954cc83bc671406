import { inflateSync } from 'node:zlib';
import { EcertError } from '../../core/errors';
import { DEFAULT_PDF_LIMITS, type PdfLimits } from './PdfLimits';

/** PDF objects as read (ISO 32000-1 §7.3). */
export type PdfValue = null | boolean | number | PdfName | PdfString | PdfValue[] | PdfDict | PdfRef | PdfStream;
export class PdfName {
  constructor(readonly name: string) {}
}
export class PdfString {
  /** `start`/`end`: the token's byte offsets in the file (for /Contents). */
  constructor(
    readonly bytes: Buffer,
    readonly hex: boolean,
    readonly start: number,
    readonly end: number,
  ) {}
}
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}
export class PdfDict {
  constructor(readonly entries: Map<string, PdfValue>) {}
  get(key: string): PdfValue | undefined {
    return this.entries.get(key);
  }
}
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    readonly dataStart: number,
    readonly dataEnd: number,
  ) {}
}

const WS = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIM = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

/** White-space bytes (§7.2.2) as a lookup table. */
const WS_BYTE = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WS_BYTE[c] = 1;
const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;

/** Decimal digits at `p` (1 to `max` of them), or undefined. */
function digitsAt(b: Buffer, p: number, max: number): { value: number; length: number } | undefined {
  let v = 0;
  let k = 0;
  while (k < max && isDigit(b[p + k])) v = v * 10 + b[p + k++] - 0x30;
  return k ? { value: v, length: k } : undefined;
}

/** Exactly `n` decimal digits at `p`, or -1. */
function fixedDigits(b: Buffer, p: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = b[p + k];
    if (!isDigit(c)) return -1;
    v = v * 10 + c - 0x30;
  }
  return v;
}

export function malformed(en: string): EcertError {
  return new EcertError('ERR_PDF_MALFORMED', { zh: en, en });
}
export function limit(en: string): EcertError {
  return new EcertError('ERR_PDF_LIMIT', { zh: en, en });
}

/**
 * In-use cross-reference entries by object number, in typed arrays: a table of 100,000 entries
 * is read without an allocation per entry (issue 10, "limits before work").
 */
export class XrefTable {
  private offsets = new Int32Array(0);
  private gens = new Uint16Array(0);
  private numbers: number[] = [];

  /** Make room for object numbers below `n` (bounded by PdfLimits.maxObjects by the caller). */
  reserve(n: number): void {
    if (n <= this.offsets.length) return;
    const size = Math.max(n, this.offsets.length * 2);
    const offsets = new Int32Array(size).fill(-1);
    offsets.set(this.offsets);
    const gens = new Uint16Array(size);
    gens.set(this.gens);
    this.offsets = offsets;
    this.gens = gens;
  }

  /** Record an entry of an older section: a newer entry of the same object wins. */
  addOlder(num: number, offset: number, gen: number): void {
    if (this.offsets[num] !== -1) return;
    this.offsets[num] = offset;
    this.gens[num] = gen;
    this.numbers.push(num);
  }

  get(num: number): { offset: number; gen: number } | undefined {
    const offset = num >= 0 && num < this.offsets.length ? this.offsets[num] : -1;
    return offset === -1 ? undefined : { offset, gen: this.gens[num] };
  }

  get size(): number {
    return this.numbers.length;
  }

  /** Every object number with an in-use entry, with its offset and generation. */
  forEach(f: (num: number, offset: number, gen: number) => boolean | void): void {
    for (const num of this.numbers) if (f(num, this.offsets[num], this.gens[num]) === false) return;
  }
}

/**
 * A strict, bounded reader of classic PDF files: the cross-reference table and trailer at
 * `startxref`, objects at the offsets it gives. It never repairs: a wrong offset, a broken
 * token or a /Length that does not end at `endstream` is an error, as is any limit crossed.
 */
export class PdfReader {
  readonly limits: PdfLimits;
  readonly xref = new XrefTable();
  trailer!: PdfDict;
  startxref = -1;
  private tokens = 0;
  private visits = 0;
  private inflatedTotal = 0;
  private readonly cache = new Map<number, PdfValue>();

  constructor(
    readonly bytes: Buffer,
    limits: Partial<PdfLimits> = {},
  ) {
    this.limits = { ...DEFAULT_PDF_LIMITS, ...limits };
    if (bytes.length > this.limits.maxFileBytes) throw limit(`file larger than ${this.limits.maxFileBytes} bytes`);
    if (bytes.subarray(0, 8).toString('latin1').match(/^%PDF-\d\.\d/) === null) throw malformed('no %PDF- header at the start of the file');
  }

  /** Cross-reference sections read (1 for a file never updated). */
  sections = 0;

  /**
   * Every cross-reference section read, newest first: where it starts, its trailer and its
   * subsections (where their entries are; read again with `sectionEntries`, so that a large
   * table costs no allocation per entry unless an update is inspected).
   */
  readonly sectionList: Array<{ at: number; trailer: PdfDict; subsections: Array<{ first: number; count: number; at: number }> }> = [];

  /** The entries of section `i` of `sectionList` (ISO 32000-1 §7.5.4), in-use and free. */
  sectionEntries(i: number): Array<{ num: number; offset: number; gen: number; inUse: boolean }> {
    const out: Array<{ num: number; offset: number; gen: number; inUse: boolean }> = [];
    const b = this.bytes;
    for (const sub of this.sectionList[i].subsections) {
      for (let k = 0, p = sub.at; k < sub.count; k++, p += 20) {
        out.push({ num: sub.first + k, offset: fixedDigits(b, p, 10), gen: fixedDigits(b, p + 11, 5), inUse: b[p + 17] === 0x6e });
      }
    }
    return out;
  }

  /**
   * The object `num` as written at `offset` (one revision's version of it, ISO 32000-1
   * §7.5.6), not cached; bounded like `object`.
   */
  objectAt(num: number, gen: number, offset: number): PdfValue {
    return this.objectSpanAt(num, gen, offset).value;
  }

  /** As `objectAt`, with the offset after its `endobj`. */
  objectSpanAt(num: number, gen: number, offset: number): { value: PdfValue; end: number } {
    if (++this.visits > this.limits.maxObjectVisits) throw limit('too many object visits');
    const headEnd = this.objectHeaderEnd(offset, num, gen);
    if (headEnd < 0) throw malformed(`object ${num} is not at its cross-reference offset`);
    const { value, end } = this.parseAt(headEnd, 0);
    const after = this.skipWs(end);
    if (this.bytes.toString('latin1', after, after + 6) !== 'endobj') throw malformed(`object ${num} has no endobj`);
    return { value, end: after + 6 };
  }

  /**
   * Read the cross-reference sections and trailers (ISO 32000-1 §7.5.4, §7.5.5, §7.5.6), from
   * the last back through /Prev; newer entries win. A /Prev loop or too long a chain is an
   * error, not a hang.
   */
  readXref(): void {
    const tail = this.bytes.subarray(Math.max(0, this.bytes.length - 1024)).toString('latin1');
    const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
    if (!m) throw malformed('the file does not end with startxref and %%EOF');
    this.startxref = Number(m[1]);
    const seen = new Set<number>();
    for (let at: number | undefined = this.startxref; at !== undefined; ) {
      if (seen.has(at)) throw limit('cross-reference /Prev chain loops');
      if (seen.size >= 32) throw limit('too many cross-reference sections');
      seen.add(at);
      const subsections: Array<{ first: number; count: number; at: number }> = [];
      const trailer = this.readSection(at, subsections);
      this.sectionList.push({ at, trailer, subsections });
      this.trailer ??= trailer;
      this.sections++;
      const prev = trailer.get('Prev');
      if (prev !== undefined && (typeof prev !== 'number' || !Number.isInteger(prev) || prev < 0 || prev >= this.bytes.length)) throw malformed('bad /Prev');
      at = prev as number | undefined;
    }
  }

  private readSection(start: number, subsections: Array<{ first: number; count: number; at: number }>): PdfDict {
    let p = start;
    if (this.bytes.toString('latin1', p, p + 4) !== 'xref') throw malformed('startxref does not point at a cross-reference table (streams are not accepted)');
    p += 4;
    for (;;) {
      p = this.skipWs(p);
      if (this.bytes.toString('latin1', p, p + 7) === 'trailer') {
        p += 7;
        break;
      }
      // subsection header `first count` EOL (§7.5.4), read byte by byte
      const b = this.bytes;
      const firstDigits = digitsAt(b, p, 10);
      if (!firstDigits || b[p + firstDigits.length] !== 0x20) throw malformed('bad cross-reference subsection header');
      const countDigits = digitsAt(b, p + firstDigits.length + 1, 10);
      if (!countDigits) throw malformed('bad cross-reference subsection header');
      const first = firstDigits.value;
      const count = countDigits.value;
      p += firstDigits.length + 1 + countDigits.length;
      while (b[p] === 0x20 || b[p] === 0x09) p++;
      if (b[p] === 0x0d) p++;
      if (b[p] !== 0x0a) throw malformed('bad cross-reference subsection header');
      p++;
      if (first + count > this.limits.maxObjects) throw limit('too many objects');
      if (p + 20 * count > b.length) throw malformed('cross-reference subsection runs past the end of the file');
      this.xref.reserve(first + count);
      subsections.push({ first, count, at: p });
      this.tick();
      // entries of exactly 20 bytes `nnnnnnnnnn ggggg n` EOL: linear, no string or RegExp per entry
      for (let i = 0; i < count; i++, p += 20) {
        const offset = fixedDigits(b, p, 10);
        const gen = fixedDigits(b, p + 11, 5);
        const kind = b[p + 17];
        const eol = (b[p + 18] === 0x0d && b[p + 19] === 0x0a) || (b[p + 18] === 0x20 && (b[p + 19] === 0x0d || b[p + 19] === 0x0a));
        if (offset < 0 || gen < 0 || b[p + 10] !== 0x20 || b[p + 16] !== 0x20 || (kind !== 0x6e && kind !== 0x66) || !eol) throw malformed(`bad cross-reference entry for object ${first + i}`);
        if (kind === 0x6e) this.xref.addOlder(first + i, Math.min(offset, 0x7fffffff), gen); // past the file either way: fails the offset check
        this.tick();
      }
    }
    const t = this.parseAt(this.skipWs(p), 0);
    if (!(t.value instanceof PdfDict)) throw malformed('trailer is not a dictionary');
    return t.value;
  }

  /** The object `num`, read at its cross-reference offset (cached). */
  object(num: number): PdfValue {
    if (this.cache.has(num)) return this.cache.get(num)!;
    if (++this.visits > this.limits.maxObjectVisits) throw limit('too many object visits');
    const entry = this.xref.get(num);
    if (!entry) return null; // ISO 32000-1 §7.3.10: a reference to a missing object is null
    const headEnd = this.objectHeaderEnd(entry.offset, num, entry.gen);
    if (headEnd < 0) throw malformed(`object ${num} is not at its cross-reference offset`);
    this.cache.set(num, null); // a reference cycle resolves to null instead of recursing
    const { value, end } = this.parseAt(headEnd, 0);
    const after = this.skipWs(end);
    if (this.bytes.toString('latin1', after, after + 6) !== 'endobj') throw malformed(`object ${num} has no endobj`);
    this.cache.set(num, value);
    return value;
  }

  /**
   * Where `num gen obj` (§7.3.10) starting exactly at `offset` ends, or -1 when the bytes
   * there are not that header. Byte by byte: checking every cross-reference entry stays linear.
   */
  objectHeaderEnd(offset: number, num: number, gen: number): number {
    const b = this.bytes;
    let p = offset;
    let v = 0;
    // object number: decimal, no leading zero
    if (!isDigit(b[p]) || (b[p] === 0x30 && isDigit(b[p + 1]))) return -1;
    while (isDigit(b[p]) && p - offset < 10) v = v * 10 + b[p++] - 0x30;
    if (v !== num) return -1;
    let w = p;
    while (p < b.length && WS_BYTE[b[p]] && p - w < 8) p++;
    if (p === w) return -1;
    const g0 = p;
    v = 0;
    while (isDigit(b[p]) && p - g0 < 5) v = v * 10 + b[p++] - 0x30;
    if (p === g0 || v !== gen) return -1;
    w = p;
    while (p < b.length && WS_BYTE[b[p]] && p - w < 8) p++;
    if (p === w || b[p] !== 0x6f || b[p + 1] !== 0x62 || b[p + 2] !== 0x6a) return -1; // obj
    const next = b[p + 3];
    if (next !== undefined && (isDigit(next) || (next >= 0x41 && next <= 0x5a) || (next >= 0x61 && next <= 0x7a) || next === 0x5f)) return -1; // \b
    return p + 3;
  }

  /** Follow a reference (chains bounded by maxObjectVisits). */
  resolve(v: PdfValue | undefined): PdfValue | undefined {
    let cur = v;
    for (let i = 0; cur instanceof PdfRef; i++) {
      if (i > 32) throw limit('reference chain too long');
      cur = this.object(cur.num);
    }
    return cur;
  }

  dict(v: PdfValue | undefined): PdfDict | undefined {
    const r = this.resolve(v);
    return r instanceof PdfDict ? r : r instanceof PdfStream ? r.dict : undefined;
  }

  /** A stream's data, inflated when /FlateDecode (the only filter we decode), bounded. */
  streamData(s: PdfStream): Buffer {
    const raw = this.bytes.subarray(s.dataStart, s.dataEnd);
    const filter = this.resolve(s.dict.get('Filter'));
    const name = filter instanceof PdfName ? filter.name : Array.isArray(filter) && filter.length === 1 && filter[0] instanceof PdfName ? filter[0].name : filter == null ? '' : '?';
    if (name === '') return raw;
    if (name !== 'FlateDecode') throw malformed(`unsupported stream filter ${name}`);
    const max = Math.min(this.limits.maxInflatedStream, this.limits.maxInflatedTotal - this.inflatedTotal);
    let out: Buffer;
    try {
      out = inflateSync(raw, { maxOutputLength: Math.max(1, max) });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw limit('a stream inflates beyond the limit');
      throw malformed('a stream does not inflate');
    }
    this.inflatedTotal += out.length;
    return out;
  }

  // ------------------------------------------------------------------ tokens

  private tick(): void {
    if (++this.tokens > this.limits.maxTokens) throw limit('too much work');
  }

  private skipWs(p: number): number {
    const b = this.bytes;
    for (;;) {
      while (p < b.length && WS.has(b[p])) p++;
      if (b[p] !== 0x25) return p; // %
      while (p < b.length && b[p] !== 0x0a && b[p] !== 0x0d) p++;
    }
  }

  /** Parse one value at `p`. */
  parseAt(p: number, depth: number): { value: PdfValue; end: number } {
    this.tick();
    if (depth > this.limits.maxDepth) throw limit('objects nested too deeply');
    const b = this.bytes;
    p = this.skipWs(p);
    if (p >= b.length) throw malformed('unexpected end of file');
    const c = b[p];
    if (c === 0x2f) return this.parseName(p);
    if (c === 0x28) return this.parseLiteral(p);
    if (c === 0x3c && b[p + 1] === 0x3c) return this.parseDict(p, depth);
    if (c === 0x3c) return this.parseHex(p);
    if (c === 0x5b) {
      const arr: PdfValue[] = [];
      let q = p + 1;
      for (;;) {
        q = this.skipWs(q);
        if (q >= b.length) throw malformed('unterminated array');
        if (b[q] === 0x5d) return { value: arr, end: q + 1 };
        if (arr.length >= this.limits.maxCollectionEntries) throw limit('array too large');
        const v = this.parseAt(q, depth + 1);
        arr.push(v.value);
        q = v.end;
        this.foldRef(arr);
      }
    }
    const word = this.word(p);
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(word)) {
      // `N G R` is folded by the caller (foldRef / dict); here a number
      return { value: Number(word), end: p + word.length };
    }
    if (word === 'true' || word === 'false') return { value: word === 'true', end: p + word.length };
    if (word === 'null') return { value: null, end: p + 4 };
    if (word === 'R') return { value: new PdfName('\u0000R'), end: p + 1 };
    throw malformed(`unexpected token "${word.slice(0, 20)}" at ${p}`);
  }

  /** Turn a trailing `num gen R` in an array into a reference. */
  private foldRef(arr: PdfValue[]): void {
    const n = arr.length;
    const last = arr[n - 1];
    if (last instanceof PdfName && last.name === '\u0000R') {
      const [num, gen] = [arr[n - 3], arr[n - 2]];
      if (typeof num !== 'number' || typeof gen !== 'number' || !Number.isInteger(num) || !Number.isInteger(gen)) throw malformed('bad indirect reference');
      arr.splice(n - 3, 3, new PdfRef(num, gen));
    }
  }

  private word(p: number): string {
    const b = this.bytes;
    let q = p;
    while (q < b.length && !WS.has(b[q]) && !DELIM.has(b[q]) && q - p < 64) q++;
    if (q === p) throw malformed(`unexpected character at ${p}`);
    return b.toString('latin1', p, q);
  }

  private parseName(p: number): { value: PdfName; end: number } {
    const b = this.bytes;
    let q = p + 1;
    while (q < b.length && !WS.has(b[q]) && !DELIM.has(b[q])) {
      if (q - p > 256) throw limit('name too long');
      q++;
    }
    const raw = b.toString('latin1', p + 1, q).replace(/#([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return { value: new PdfName(raw), end: q };
  }

  private parseLiteral(p: number): { value: PdfString; end: number } {
    const b = this.bytes;
    const out: number[] = [];
    let depth = 1;
    let q = p + 1;
    while (q < b.length) {
      const c = b[q];
      if (out.length > 65536) throw limit('string too long');
      if (c === 0x5c) {
        const n = b[q + 1];
        const map: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12, 0x28: 0x28, 0x29: 0x29, 0x5c: 0x5c };
        if (n in map) {
          out.push(map[n]);
          q += 2;
        } else if (n >= 0x30 && n <= 0x37) {
          let v = 0;
          let k = 0;
          while (k < 3 && b[q + 1 + k] >= 0x30 && b[q + 1 + k] <= 0x37) v = v * 8 + b[q + 1 + k++] - 0x30;
          out.push(v & 0xff);
          q += 1 + k;
        } else if (n === 0x0d || n === 0x0a) {
          q += n === 0x0d && b[q + 2] === 0x0a ? 3 : 2;
        } else q += 1;
        continue;
      }
      if (c === 0x28) depth++;
      if (c === 0x29 && --depth === 0) return { value: new PdfString(Buffer.from(out), false, p, q + 1), end: q + 1 };
      out.push(c);
      q++;
    }
    throw malformed('unterminated string');
  }

  private parseHex(p: number): { value: PdfString; end: number } {
    const b = this.bytes;
    const end = b.indexOf(0x3e, p + 1);
    if (end < 0) throw malformed('unterminated hex string');
    const text = b.toString('latin1', p + 1, end).replace(/[\0\t\n\f\r ]/g, '');
    if (!/^[0-9A-Fa-f]*$/.test(text)) throw malformed('bad hex string');
    return { value: new PdfString(Buffer.from(text.length % 2 ? text + '0' : text, 'hex'), true, p, end + 1), end: end + 1 };
  }

  private parseDict(p: number, depth: number): { value: PdfDict | PdfStream; end: number } {
    const b = this.bytes;
    const entries = new Map<string, PdfValue>();
    let q = p + 2;
    for (;;) {
      q = this.skipWs(q);
      if (q >= b.length) throw malformed('unterminated dictionary');
      if (b[q] === 0x3e && b[q + 1] === 0x3e) {
        q += 2;
        break;
      }
      if (b[q] !== 0x2f) throw malformed(`dictionary key expected at ${q}`);
      if (entries.size >= this.limits.maxCollectionEntries) throw limit('dictionary too large');
      const key = this.parseName(q);
      let v = this.parseAt(key.end, depth + 1);
      // `num gen R`
      if (typeof v.value === 'number') {
        const m = /^\s+(\d+)\s+R(?=[\s/<>[\]()%]|$)/.exec(b.toString('latin1', v.end, v.end + 24));
        if (m) v = { value: new PdfRef(v.value, Number(m[1])), end: v.end + m[0].length };
      }
      if (entries.has(key.value.name)) throw malformed(`duplicate key /${key.value.name}`);
      entries.set(key.value.name, v.value);
      q = v.end;
    }
    const dict = new PdfDict(entries);
    const s = this.skipWs(q);
    if (b.toString('latin1', s, s + 6) !== 'stream') return { value: dict, end: q };
    // §7.3.8.1: `stream` then CRLF or LF, then exactly /Length bytes, then EOL and `endstream`
    let dataStart = s + 6;
    if (b[dataStart] === 0x0d && b[dataStart + 1] === 0x0a) dataStart += 2;
    else if (b[dataStart] === 0x0a) dataStart += 1;
    else throw malformed('stream keyword not followed by an end-of-line');
    const len = this.resolve(dict.get('Length'));
    if (typeof len !== 'number' || !Number.isInteger(len) || len < 0 || dataStart + len > b.length) throw malformed('bad stream /Length');
    const after = this.skipWs(dataStart + len);
    if (b.toString('latin1', after, after + 9) !== 'endstream') throw malformed('stream /Length does not end at endstream');
    return { value: new PdfStream(dict, dataStart, dataStart + len), end: after + 9 };
  }
}
