/**
 * Distinguished Encoding Rules checked over a whole value (ITU-T X.690 §10, §11), for the
 * CMS SignedData and the certificates it carries: what OpenSSL reads leniently as BER, we
 * refuse unless it is DER, so we never accept an encoding OpenSSL would not
 * (../shared/reference/security.md, "CMS strictness").
 *
 * - one-byte tags only (every tag of RFC 5652 / RFC 5280 is below 31);
 * - definite lengths in the fewest octets (§10.1: short form below 128; long form without
 *   a leading zero octet) — the indefinite form (0x80) is refused;
 * - constructed only for SEQUENCE, SET and context/application tags (§10.2: no constructed
 *   strings);
 * - every SET sorted by its elements' encodings (§11.6, SET OF; CMS and X.509 use SET only
 *   as SET OF);
 * - BOOLEAN one octet 0x00/0xFF (§11.1), INTEGER in the fewest octets (§8.3.2), NULL empty
 *   (§8.8.2), OBJECT IDENTIFIER subidentifiers minimal (§8.19.2), BIT STRING unused bits
 *   0..7 and 0 when empty, padding bits zero (§11.2.1).
 *
 * The walk is bounded by `maxElements`: a value made of millions of tiny elements ends with
 * an error, not a long loop.
 */
export class DerViolation extends Error {}

export const DEFAULT_MAX_DER_ELEMENTS = 20_000;

export function assertStrictDer(b: Buffer, maxElements = DEFAULT_MAX_DER_ELEMENTS): void {
  const budget = { left: maxElements };
  const end = walk(b, 0, b.length, budget, 0);
  if (end !== b.length) throw new DerViolation('bytes after the DER value');
}

/** Read one element's header at `at`: tag, content start and end, DER length rules enforced. */
export function readDerHeader(b: Buffer, at: number, limit = b.length): { tag: number; contentStart: number; end: number } {
  if (at + 2 > limit) throw new DerViolation('truncated');
  const tag = b[at];
  if ((tag & 0x1f) === 0x1f) throw new DerViolation('multi-byte tag');
  const first = b[at + 1];
  let len = first;
  let p = at + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0) throw new DerViolation('indefinite length');
    if (n > 4) throw new DerViolation('length too long');
    if (p + n > limit) throw new DerViolation('truncated length');
    if (b[p] === 0) throw new DerViolation('length with a leading zero octet');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
    if (len < 0x80) throw new DerViolation('long-form length for a short value');
    p += n;
  }
  if (p + len > limit) throw new DerViolation('truncated value');
  return { tag, contentStart: p, end: p + len };
}

function walk(b: Buffer, at: number, limit: number, budget: { left: number }, depth: number): number {
  if (--budget.left < 0) throw new DerViolation('too many elements');
  if (depth > 64) throw new DerViolation('nested too deeply');
  const { tag, contentStart: s, end: e } = readDerHeader(b, at, limit);
  const constructed = (tag & 0x20) !== 0;
  const cls = tag & 0xc0;
  if (constructed) {
    if (cls === 0x00 && tag !== 0x30 && tag !== 0x31) throw new DerViolation(`constructed encoding of universal tag ${tag & 0x1f}`);
    let prev: Buffer | undefined;
    for (let p = s; p < e; ) {
      const q = walk(b, p, e, budget, depth + 1);
      if (tag === 0x31) {
        const cur = b.subarray(p, q);
        if (prev && Buffer.compare(prev, cur) > 0) throw new DerViolation('SET OF not sorted');
        prev = cur;
      }
      p = q;
    }
    return e;
  }
  const v = b.subarray(s, e);
  switch (tag) {
    case 0x01: // BOOLEAN
      if (v.length !== 1 || (v[0] !== 0x00 && v[0] !== 0xff)) throw new DerViolation('BOOLEAN not 0x00 or 0xFF');
      break;
    case 0x02: // INTEGER
    case 0x0a: // ENUMERATED
      if (v.length === 0) throw new DerViolation('empty INTEGER');
      if (v.length > 1 && ((v[0] === 0x00 && !(v[1] & 0x80)) || (v[0] === 0xff && v[1] & 0x80))) throw new DerViolation('INTEGER not in the fewest octets');
      break;
    case 0x05: // NULL
      if (v.length !== 0) throw new DerViolation('NULL with content');
      break;
    case 0x06: // OBJECT IDENTIFIER
      if (v.length === 0 || v[v.length - 1] & 0x80) throw new DerViolation('malformed OBJECT IDENTIFIER');
      for (let i = 0; i < v.length; i++) if (v[i] === 0x80 && (i === 0 || !(v[i - 1] & 0x80))) throw new DerViolation('OBJECT IDENTIFIER subidentifier not minimal');
      break;
    case 0x03: // BIT STRING
      if (v.length === 0 || v[0] > 7 || (v.length === 1 && v[0] !== 0)) throw new DerViolation('malformed BIT STRING');
      if (v[0] && v[v.length - 1] & ((1 << v[0]) - 1)) throw new DerViolation('BIT STRING padding bits not zero');
      break;
  }
  return e;
}
