/**
 * A small DER encoder and reader (ITU-T X.690) for the structures we write ourselves:
 * X.509 certificates (RFC 5280) and CMS SignedData (RFC 5652). Writing DER by hand keeps
 * signing fast; verification uses a full implementation (pkijs).
 */
export function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let head: Buffer;
  if (n < 0x80) head = Buffer.from([tag, n]);
  else if (n < 0x100) head = Buffer.from([tag, 0x81, n]);
  else if (n < 0x10000) head = Buffer.from([tag, 0x82, n >> 8, n & 0xff]);
  else head = Buffer.from([tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([head, content]);
}

export const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
/** SET OF in DER: elements sorted by their encodings (X.690 §11.6). */
export const setOf = (...items: Buffer[]) => tlv(0x31, Buffer.concat([...items].sort(Buffer.compare)));
export const ctx = (n: number, content: Buffer, constructed = true) => tlv((constructed ? 0xa0 : 0x80) | n, content);
export const octets = (b: Buffer) => tlv(0x04, b);
export const nullValue = () => Buffer.from([0x05, 0x00]);
export const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
export const printable = (s: string) => tlv(0x13, Buffer.from(s, 'latin1'));
export const bool = (v: boolean) => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);

export function bitString(bytes: Buffer, unused = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

/** INTEGER from a non-negative number or big-endian magnitude (a 0x00 is prefixed when needed). */
export function int(v: number | Buffer): Buffer {
  let b: Buffer;
  if (typeof v === 'number') {
    const h = v.toString(16);
    b = Buffer.from(h.length % 2 ? '0' + h : h, 'hex');
  } else b = v;
  while (b.length > 1 && b[0] === 0 && !(b[1] & 0x80)) b = b.subarray(1);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) stack.unshift((v & 0x7f) | 0x80);
    bytes.push(...stack);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
export function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'latin1')) : tlv(0x18, Buffer.from(iso, 'latin1'));
}

/** One element: its tag, where its content starts and ends, and where the element ends. */
export interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

export function readTlv(b: Buffer, at: number): Tlv {
  if (at + 2 > b.length) throw new RangeError('DER: truncated');
  const tag = b[at];
  let len = b[at + 1];
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > b.length) throw new RangeError('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
    // X.690 §10.1: the fewest length octets — no long form below 128, no leading zero octet
    if (len < 0x80 || b[p] === 0) throw new RangeError('DER: length not in the fewest octets');
    p += n;
  }
  if (p + len > b.length) throw new RangeError('DER: truncated');
  return { tag, start: at, contentStart: p, end: p + len };
}

/** The children of a constructed element. */
export function children(b: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.contentStart; p < parent.end; ) {
    const t = readTlv(b, p);
    out.push(t);
    p = t.end;
  }
  return out;
}

export const slice = (b: Buffer, t: Tlv) => b.subarray(t.start, t.end);

/** Dotted form of an OBJECT IDENTIFIER element (X.690 §8.19; a first subidentifier ≥ 80 is arc 2). */
export function readOid(b: Buffer, t: Tlv): string {
  if (t.tag !== 0x06) throw new RangeError('DER: OBJECT IDENTIFIER expected');
  const out: number[] = [];
  let v = 0;
  for (let i = t.contentStart; i < t.end; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      if (!out.length) out.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else out.push(v);
      v = 0;
    }
  }
  return out.join('.');
}

/** Dotted form of a DER OBJECT IDENTIFIER TLV on its own. */
export function oidText(b: Buffer): string {
  return readOid(b, readTlv(b, 0));
}
