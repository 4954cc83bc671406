import { createHash } from 'node:crypto';
import { EcertError } from '../core/errors';
import type { BuiltDocument } from './RegistryStore';

/** A shared span shorter than this is left in its document: a row of its own would save nothing. */
const MIN_PART_BYTES = 4096;
/** Parts this process knows are in the registry, at most (one per layout's fixed text: a few dozen). */
const MAX_KNOWN = 256;

/** A document as the registry stores it: `pdf` without its part, if it has one (migration v8). */
export interface StoredForm {
  pdf: Buffer;
  part?: { sha256: string; offset: number };
  /** A part not known to be in the registry yet: inserted (if absent) with the document. */
  newPart?: { sha256: string; bytes: Buffer };
}

/**
 * Splits documents into their shared part and the rest (src/registry/migrations/v8DocumentParts.ts),
 * and joins them back. The renderer's hint (BuiltDocument.sharedPart) is only a lookup key: a
 * span is stored as a known part only when its bytes equal that part's, which this process
 * hashed itself before storing it; otherwise it is hashed here and becomes a part of its own.
 */
export class DocumentParts {
  /** Parts whose rows are committed, by SHA-256. */
  private readonly known = new Map<string, Buffer>();

  split(b: Pick<BuiltDocument, 'pdf' | 'sharedPart'>): StoredForm {
    const s = b.sharedPart;
    if (!s || !(Number.isInteger(s.offset) && Number.isInteger(s.length) && s.length >= MIN_PART_BYTES && s.offset >= 0 && s.offset + s.length <= b.pdf.length)) return { pdf: b.pdf };
    const span = b.pdf.subarray(s.offset, s.offset + s.length);
    const rest = Buffer.concat([b.pdf.subarray(0, s.offset), b.pdf.subarray(s.offset + s.length)]);
    const hinted = this.known.get(s.sha256);
    if (hinted?.equals(span)) return { pdf: rest, part: { sha256: s.sha256, offset: s.offset } };
    const sha256 = createHash('sha256').update(span).digest('hex');
    const part = { sha256, offset: s.offset };
    if (this.known.get(sha256)?.equals(span)) return { pdf: rest, part };
    // a copy: the document's own bytes go back to the thread that rendered them (RenderPool.release)
    return { pdf: rest, part, newPart: { sha256, bytes: Buffer.from(span) } };
  }

  /** After the transaction that inserted these parts committed. */
  committed(parts: Array<{ sha256: string; bytes: Buffer }>): void {
    for (const p of parts) {
      this.known.delete(p.sha256);
      this.known.set(p.sha256, p.bytes);
      if (this.known.size > MAX_KNOWN) this.known.delete(this.known.keys().next().value!);
    }
  }

  /** The document's bytes from a documents row (and its part's), checked against its SHA-256. */
  static join(row: { pdf: Buffer; sha256: string; part: Buffer | null; partOffset: number | null }, managementNo: string): Buffer {
    const pdf = row.part && row.partOffset !== null ? Buffer.concat([row.pdf.subarray(0, row.partOffset), row.part, row.pdf.subarray(row.partOffset)]) : row.pdf;
    if (createHash('sha256').update(pdf).digest('hex') !== row.sha256) {
      throw new EcertError('ERR_INTERNAL', { en: `the registry's copy of ${managementNo}'s document does not match its SHA-256 (damaged storage)` });
    }
    return pdf;
  }
}
