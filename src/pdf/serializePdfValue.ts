import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfValue } from '../verify/pdf/PdfReader';

/** Regular characters of a name (ISO 32000-1 §7.3.5); everything else is written `#xx`. */
function nameText(name: string): string {
  let out = '/';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i) & 0xff;
    const regular = c > 0x20 && c < 0x7f && !'()<>[]{}/%#'.includes(name[i]);
    out += regular ? name[i] : `#${c.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return out;
}

/** A number as PDF syntax (§7.3.3): integers as such, reals without exponent. */
function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError('PDF numbers are finite');
  if (Number.isInteger(n)) return String(n);
  const s = n.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/**
 * A value read by src/verify/pdf/PdfReader.ts written back as PDF syntax (ISO 32000-1 §7.3),
 * with the same meaning: strings as hex strings, names escaped, references kept. Streams
 * cannot be written inline (they are indirect objects only, §7.3.8).
 */
export function serializePdfValue(v: PdfValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return numberText(v);
  if (v instanceof PdfName) return nameText(v.name);
  if (v instanceof PdfString) return `<${v.bytes.toString('hex').toUpperCase()}>`;
  if (v instanceof PdfRef) return `${v.num} ${v.gen} R`;
  if (Array.isArray(v)) return `[${v.map(serializePdfValue).join(' ')}]`;
  if (v instanceof PdfDict) return `<< ${[...v.entries].map(([k, x]) => `${nameText(k)} ${serializePdfValue(x)}`).join(' ')} >>`;
  if (v instanceof PdfStream) throw new RangeError('a stream cannot be written as a direct value');
  throw new RangeError('unknown PDF value');
}
