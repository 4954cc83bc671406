import { DOC_TIMESTAMP_SUB_FILTER } from '../../sign/pdfConstants';
import type { PdfLimits } from './PdfLimits';
import { inspectRevisions, type DssContent, type RevisionFacts } from './inspectRevisions';
import { PdfDict, PdfName, PdfReader, PdfRef, PdfStream, PdfString, limit, malformed, type PdfValue } from './PdfReader';

export interface FoundSignature {
  fieldName?: string;
  /** /ByteRange as found: numbers, or undefined when absent or not an array of numbers. */
  byteRange?: number[];
  subFilter?: string;
  filter?: string;
  /** /M parsed (ISO 32000-1 §7.9.4), when present and valid. */
  m?: Date;
  /** Offsets of the /Contents hex string's `<` and of the byte after its `>`. */
  contentsStart?: number;
  contentsEnd?: number;
  contentsIsHex: boolean;
  /** The DER value at the start of /Contents, without the zero padding. */
  cms: Buffer;
  /** The padding after the DER value is all '0' hex digits. */
  paddingIntact: boolean;
}

export interface PdfSignatureInspection {
  /** Sections ending in %%EOF (1 for a file never updated). */
  revisions: number;
  /** Every cross-reference entry points at its `N G obj`. */
  xrefConsistent: boolean;
  /** Signature fields reached from the catalog's /AcroForm, with their /V. */
  signatures: FoundSignature[];
  /** Signature fields without a value. */
  emptySignatureFields: number;
  /** `/ByteRange` keys anywhere in the bytes (a hidden signature dictionary shows here). */
  byteRangeKeysInFile: number;
  /** Annotations on the pages: subtype and whether it is one of the signature widgets. */
  annotations: Array<{ subtype: string; isSignatureWidget: boolean }>;
  /** Catalog entries that change how a signed document may be modified or shown. */
  catalogKeys: string[];
  embeddedFiles: Map<string, Buffer>;
  /** Byte offset after each revision's %%EOF and its end-of-line (ISO 32000-1 §7.5.6). */
  revisionEnds: number[];
  /** Problems with the revision structure (see src/verify/pdf/inspectRevisions.ts). */
  revisionProblems: string[];
  /** What each incremental update after revision 1 does (src/verify/pdf/inspectRevisions.ts). */
  updates: RevisionFacts[];
  /**
   * Document timestamps (ISO 32000-2 §12.8.5: /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161),
   * with the TimeStampToken (RFC 3161 §2.4.2) as found in /Contents, its /ByteRange, and the
   * 1-based revision whose bytes hold it. Not counted in `signatures`.
   */
  documentTimestamps: Array<FoundSignature & { token: Buffer; byteRange: number[]; revision: number }>;
  /** The last revision's DSS (ETSI EN 319 142-1 §5.4.2), streams decoded (bounded). */
  dss?: DssContent;
  /** DSS streams of the last revision that are not the DER structure their array names. */
  dssBadStreams: string[];
}

/**
 * Read what the coverage rule and the CMS check need from a PDF, strictly and within the
 * limits of PdfReader. Throws ERR_PDF_MALFORMED / ERR_PDF_LIMIT; never anything else.
 */
export function inspectSignatures(bytes: Buffer, limits: Partial<PdfLimits> = {}): PdfSignatureInspection {
  try {
    return inspect(bytes, limits);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_PDF_MALFORMED' || (e as { code?: string }).code === 'ERR_PDF_LIMIT') throw e;
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw limit('structure too deep');
    throw malformed(`unreadable structure (${(e as Error).message?.slice(0, 80)})`);
  }
}

function inspect(bytes: Buffer, limits: Partial<PdfLimits>): PdfSignatureInspection {
  const r = new PdfReader(bytes, limits);
  r.readXref();
  const revisions = Math.max(count(bytes, '%%EOF'), r.sections);
  let xrefConsistent = true;
  r.xref.forEach((num, offset, gen) => (xrefConsistent = r.objectHeaderEnd(offset, num, gen) >= 0));
  const rev = xrefConsistent ? inspectRevisions(r) : { revisionEnds: [], boundaryProblems: ['inconsistent cross-reference table'], updates: [], dssBadStreams: [] };

  const catalog = r.dict(r.trailer.get('Root'));
  if (!catalog) throw malformed('no document catalog');
  const catalogKeys = [...catalog.entries.keys()];

  // signature fields (ISO 32000-1 §12.7.3: fields and their /Kids; /FT inheritable)
  const signatures: FoundSignature[] = [];
  const documentTimestamps: PdfSignatureInspection['documentTimestamps'] = [];
  let emptySignatureFields = 0;
  const sigWidgets = new Set<PdfDict>();
  const acro = r.dict(catalog.get('AcroForm'));
  const seen = new Set<PdfDict>();
  const walk = (v: PdfValue | undefined, inheritedFt: string | undefined, depth: number) => {
    if (depth > 16) throw limit('form field tree too deep');
    const field = r.dict(v);
    if (!field || seen.has(field)) return;
    seen.add(field);
    const ft = name(r.resolve(field.get('FT'))) ?? inheritedFt;
    const kids = r.resolve(field.get('Kids'));
    if (Array.isArray(kids)) for (const k of kids) walk(k, ft, depth + 1);
    if (ft !== 'Sig') return;
    if (name(r.resolve(field.get('Subtype'))) === 'Widget') sigWidgets.add(field);
    const value = r.dict(field.get('V'));
    if (!value) {
      if (!Array.isArray(kids)) emptySignatureFields++;
      return;
    }
    const found = readSignature(r, value, stringText(r.resolve(field.get('T'))));
    if (name(r.resolve(value.get('Type'))) === 'DocTimeStamp' && found.subFilter === DOC_TIMESTAMP_SUB_FILTER) {
      const at = found.contentsStart ?? -1;
      const revision = rev.revisionEnds.findIndex((end) => at < end) + 1;
      documentTimestamps.push({ ...found, token: found.cms, byteRange: found.byteRange ?? [], revision });
    } else signatures.push(found);
  };
  const fields = r.resolve(acro?.get('Fields'));
  if (Array.isArray(fields)) for (const f of fields) walk(f, undefined, 0);

  // annotations of every page (ISO 32000-1 §7.7.3 page tree, §12.5 annotations)
  const annotations: PdfSignatureInspection['annotations'] = [];
  const pagesSeen = new Set<PdfDict>();
  const pages = (v: PdfValue | undefined, depth: number) => {
    if (depth > 32) throw limit('page tree too deep');
    const node = r.dict(v);
    if (!node || pagesSeen.has(node)) return;
    pagesSeen.add(node);
    const kids = r.resolve(node.get('Kids'));
    if (Array.isArray(kids)) for (const k of kids) pages(k, depth + 1);
    const annots = r.resolve(node.get('Annots'));
    if (Array.isArray(annots)) {
      for (const a of annots) {
        const d = r.dict(a);
        if (d) annotations.push({ subtype: name(r.resolve(d.get('Subtype'))) ?? '?', isSignatureWidget: sigWidgets.has(d) });
      }
    }
  };
  pages(catalog.get('Pages'), 0);

  // embedded files (ISO 32000-1 §7.11.4), flat name tree
  const embeddedFiles = new Map<string, Buffer>();
  const names = r.dict(r.dict(catalog.get('Names'))?.get('EmbeddedFiles'));
  const list = r.resolve(names?.get('Names'));
  if (Array.isArray(list)) {
    for (let i = 0; i + 1 < list.length && i < 200; i += 2) {
      const key = stringText(r.resolve(list[i]));
      const spec = r.dict(list[i + 1]);
      const stream = r.resolve(r.dict(spec?.get('EF'))?.get('F'));
      if (key && stream instanceof PdfStream) embeddedFiles.set(key, r.streamData(stream));
    }
  }

  return {
    revisions,
    xrefConsistent,
    signatures,
    emptySignatureFields,
    byteRangeKeysInFile: count(bytes, '/ByteRange'),
    annotations,
    catalogKeys,
    embeddedFiles,
    revisionEnds: rev.revisionEnds,
    revisionProblems: rev.boundaryProblems,
    updates: rev.updates,
    documentTimestamps,
    ...(rev.dss ? { dss: rev.dss } : {}),
    dssBadStreams: rev.dssBadStreams,
  };
}

function readSignature(r: PdfReader, v: PdfDict, fieldName: string | undefined): FoundSignature {
  const br = r.resolve(v.get('ByteRange'));
  const byteRange = Array.isArray(br) && br.every((x) => typeof x === 'number') ? (br as number[]) : undefined;
  const contents = v.get('Contents'); // must be direct: its position is what the ByteRange must skip
  let cms: Buffer = Buffer.alloc(0);
  let paddingIntact = false;
  let contentsStart: number | undefined;
  let contentsEnd: number | undefined;
  const isHex = contents instanceof PdfString && contents.hex;
  if (contents instanceof PdfString) {
    contentsStart = contents.start;
    contentsEnd = contents.end;
    const derLen = derLength(contents.bytes);
    if (derLen !== undefined && derLen <= contents.bytes.length) {
      cms = contents.bytes.subarray(0, derLen);
      const rawHex = r.bytes.toString('latin1', contents.start + 1, contents.end - 1);
      paddingIntact = /^0*$/.test(rawHex.slice(derLen * 2));
    }
  }
  return {
    ...(fieldName !== undefined ? { fieldName } : {}),
    ...(byteRange ? { byteRange } : {}),
    subFilter: name(r.resolve(v.get('SubFilter'))),
    filter: name(r.resolve(v.get('Filter'))),
    m: pdfDate(stringText(r.resolve(v.get('M')))),
    contentsStart,
    contentsEnd,
    contentsIsHex: isHex,
    cms,
    paddingIntact,
  };
}

/** Length of the DER element at the start (X.690 definite lengths only). */
function derLength(b: Buffer): number | undefined {
  if (b.length < 2 || b[0] !== 0x30) return undefined;
  const l = b[1];
  if (l < 0x80) return 2 + l;
  const n = l & 0x7f;
  if (n === 0 || n > 4 || b.length < 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i];
  return 2 + n + len;
}

function name(v: PdfValue | undefined): string | undefined {
  return v instanceof PdfName ? v.name : undefined;
}

/** A text string: UTF-16BE with BOM, else PDFDocEncoding read as latin1. */
function stringText(v: PdfValue | undefined): string | undefined {
  if (!(v instanceof PdfString)) return undefined;
  const b = v.bytes;
  if (b[0] === 0xfe && b[1] === 0xff) return Buffer.from(b.subarray(2)).swap16().toString('utf16le');
  return b.toString('latin1');
}

/** D:YYYYMMDDHHmmSS with Z or ±HH'mm' (ISO 32000-1 §7.9.4). */
function pdfDate(s: string | undefined): Date | undefined {
  const m = s && /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|([+-])(\d{2})'?(\d{2})'?)?$/.exec(s);
  if (!m) return undefined;
  let t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (m[8]) t -= (m[8] === '+' ? 1 : -1) * (+m[9] * 60 + +m[10]) * 60_000;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function count(bytes: Buffer, needle: string): number {
  let n = 0;
  for (let i = bytes.indexOf(needle, 0, 'latin1'); i >= 0; i = bytes.indexOf(needle, i + needle.length, 'latin1')) n++;
  return n;
}

export { PdfRef };
