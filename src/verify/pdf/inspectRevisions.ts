import { readTlv, children, type Tlv } from '../../sign/der';
import { DOC_TIMESTAMP_SUB_FILTER } from '../../sign/pdfConstants';
import { PdfDict, PdfName, PdfReader, PdfRef, PdfStream, PdfString, limit, type PdfValue } from './PdfReader';

/** DER content of a DSS (ETSI EN 319 142-1 §5.4.2; ISO 32000-2 §12.8.4.3), streams decoded. */
export interface DssContent {
  certs: Buffer[];
  ocsps: Buffer[];
  crls: Buffer[];
}

/** What one incremental update (revision 2, 3, …) does, as facts for src/verify/pdf/checkUpdates.ts. */
export interface RevisionFacts {
  /** 1-based revision number (2 for the first update). */
  revision: number;
  start: number;
  end: number;
  /** Free ('f') entries in this revision's cross-reference section: objects freed. */
  freed: number[];
  /** In-use entries whose offset is not inside this revision's body. */
  outside: number[];
  /** Bytes of the revision that are not one of its listed objects, white space, or its xref section (where). */
  stray: number[];
  /** Objects defined before and redefined here, that the rule does not allow to change. */
  disallowedRedefined: number[];
  /** New objects that are none of: the new field, its signature dictionary, DSS dictionary/arrays/streams. */
  unexplainedNew: number[];
  /** Trailer entries that changed or are not allowed (/Root, /Info, /Encrypt, /XRefStm…). */
  trailerProblems: string[];
  /** Catalog keys whose value changed, other than /DSS, /AcroForm, /Extensions. */
  catalogChanged: string[];
  /** Problems with /AcroForm: old fields not kept in order, more than one new field, other keys changed. */
  acroFormProblems: string[];
  /** Problems with the DSS shape (keys, arrays, old entries kept, new entries new streams). */
  dssProblems: string[];
  /** DSS streams added here that are not the DER structure their array names. */
  dssBadStreams: string[];
  /** New entries by kind. */
  dssAdded: { certs: number; ocsps: number; crls: number };
  /** Problems with the new signature field and its value. */
  fieldProblems: string[];
  /** This revision adds one document-timestamp field (and passes the field rules). */
  addsTimestamp: boolean;
  /** This revision adds at least one field to /AcroForm (a candidate document timestamp). */
  addsField: boolean;
}

export interface RevisionInspection {
  /** Byte offset after each revision's %%EOF and its end-of-line (ISO 32000-1 §7.5.5). */
  revisionEnds: number[];
  /** Problems with the revision structure itself (empty when each revision ends with its own xref, trailer, startxref and %%EOF, in /Prev order). */
  boundaryProblems: string[];
  updates: RevisionFacts[];
  /** The DSS of the last revision's catalog, streams decoded (bounded). */
  dss?: DssContent;
  /** DSS streams of the last revision that are not the DER structure their array names. */
  dssBadStreams: string[];
}


const CATALOG_LTV_KEYS = new Set(['DSS', 'AcroForm', 'Extensions']);
/**
 * DSS keys accepted. /VRI (ETSI EN 319 142-1 §5.4.2.3, optional) is refused: we never write it,
 * PAdES B-LT/B-LTA do not need it, and a dictionary keyed by signature hashes is room for
 * content the rule would have to inspect too.
 */
const DSS_KEYS = new Set(['Type', 'Certs', 'OCSPs', 'CRLs']);
const DSS_ARRAYS = [
  ['Certs', 'certs'],
  ['OCSPs', 'ocsps'],
  ['CRLs', 'crls'],
] as const;
const FIELD_KEYS = new Set(['Type', 'Subtype', 'FT', 'T', 'TU', 'F', 'Rect', 'V']);
const DOC_TS_KEYS = new Set(['Type', 'Filter', 'SubFilter', 'ByteRange', 'Contents']);
const TRAILER_KEYS = new Set(['Size', 'Root', 'Info', 'ID', 'Prev']);

/**
 * Inspect every revision of a file (ISO 32000-1 §7.5.6): where each ends, and for each
 * incremental update which objects it (re)defines and how the catalog, /AcroForm and /DSS
 * change, against the previous revision's versions of those objects. Facts only; the rules
 * are in src/verify/pdf/checkUpdates.ts. For a file of one revision this reads nothing more.
 */
export function inspectRevisions(r: PdfReader): RevisionInspection {
  const b = r.bytes;
  const boundaryProblems: string[] = [];
  // revision ends: after each %%EOF and one end-of-line
  const revisionEnds: number[] = [];
  for (let i = b.indexOf('%%EOF', 0, 'latin1'); i >= 0; i = b.indexOf('%%EOF', i + 5, 'latin1')) {
    let end = i + 5;
    if (b[end] === 0x0d && b[end + 1] === 0x0a) end += 2;
    else if (b[end] === 0x0a || b[end] === 0x0d) end += 1;
    revisionEnds.push(end);
    if (revisionEnds.length > 32) throw limit('too many revisions');
  }
  if (revisionEnds.length === 0 || revisionEnds[revisionEnds.length - 1] !== b.length) boundaryProblems.push('bytes follow the last %%EOF');
  // sections in file order (the /Prev chain read newest first)
  const sections = [...r.sectionList].reverse();
  if (sections.length !== revisionEnds.length) boundaryProblems.push(`${revisionEnds.length} %%EOF marker(s) but ${sections.length} cross-reference section(s)`);
  else {
    for (let i = 0; i < sections.length; i++) {
      const start = i === 0 ? 0 : revisionEnds[i - 1];
      const eof = b.lastIndexOf('%%EOF', revisionEnds[i] - 1, 'latin1');
      const m = /startxref\s+(\d+)\s+$/.exec(b.toString('latin1', Math.max(start, eof - 40), eof));
      if (sections[i].at < start || sections[i].at >= revisionEnds[i] || !m || Number(m[1]) !== sections[i].at) {
        boundaryProblems.push(`revision ${i + 1} does not end with its own cross-reference section, startxref and %%EOF`);
      }
    }
  }

  const updates: RevisionFacts[] = [];
  const decoded = new Map<number, Buffer>();
  const dssBadStreams: string[] = [];
  if (boundaryProblems.length || sections.length === 1) {
    return { revisionEnds, boundaryProblems, updates, ...(sections.length === 1 ? readFinalDss(r, decoded, dssBadStreams) : {}), dssBadStreams };
  }

  /** The newest entry of `num` in sections 0..k (file order), or undefined. */
  const entryUpTo = (k: number, num: number): { offset: number; gen: number; inUse: boolean } | undefined => {
    for (let i = k; i >= 0; i--) {
      for (const sub of sections[i].subsections) {
        if (num >= sub.first && num < sub.first + sub.count) {
          const p = sub.at + 20 * (num - sub.first);
          return { offset: Number(b.toString('latin1', p, p + 10)), gen: Number(b.toString('latin1', p + 11, p + 16)), inUse: b[p + 17] === 0x6e };
        }
      }
    }
    return undefined;
  };
  /** `v` as of revision index k: a reference is read at that revision's offset (one level). */
  const at = (k: number, v: PdfValue | undefined): PdfValue | undefined => {
    if (!(v instanceof PdfRef)) return v;
    const e = entryUpTo(k, v.num);
    if (!e || !e.inUse || e.gen !== v.gen) return null;
    return r.objectAt(v.num, v.gen, e.offset);
  };
  const dictAt = (k: number, v: PdfValue | undefined) => {
    const x = at(k, v);
    return x instanceof PdfDict ? x : undefined;
  };

  for (let k = 1; k < sections.length; k++) {
    const start = revisionEnds[k - 1];
    const end = revisionEnds[k];
    const sectionIndex = r.sectionList.length - 1 - k;
    const entries = r.sectionEntries(sectionIndex);
    const facts: RevisionFacts = {
      revision: k + 1,
      start,
      end,
      freed: [],
      outside: [],
      stray: [],
      disallowedRedefined: [],
      unexplainedNew: [],
      trailerProblems: [],
      catalogChanged: [],
      acroFormProblems: [],
      dssProblems: [],
      dssBadStreams: [],
      dssAdded: { certs: 0, ocsps: 0, crls: 0 },
      fieldProblems: [],
      addsTimestamp: false,
      addsField: false,
    };
    updates.push(facts);
    const newObjects = new Set<number>();
    const redefined = new Set<number>();
    for (const e of entries) {
      if (!e.inUse) {
        facts.freed.push(e.num);
        continue;
      }
      if (e.offset < start || e.offset >= sections[k].at) facts.outside.push(e.num);
      const before = entryUpTo(k - 1, e.num);
      if (before && before.inUse) redefined.add(e.num);
      else newObjects.add(e.num);
    }

    // the body holds exactly the listed objects, separated by white space (§7.2.2), then the xref
    if (!facts.outside.length && !facts.freed.length) {
      const listed = entries.filter((e) => e.inUse).sort((x, y) => x.offset - y.offset);
      let p = start;
      for (const e of listed) {
        p = skipWhite(b, p);
        if (p !== e.offset) {
          facts.stray.push(p);
          break;
        }
        p = r.objectSpanAt(e.num, e.gen, e.offset).end;
      }
      if (!facts.stray.length && skipWhite(b, p) !== sections[k].at) facts.stray.push(p);
    }

    // trailer: same /Root and /Info, nothing but the keys of an update (§7.5.6)
    const oldTrailer = sections[k - 1].trailer;
    const trailer = sections[k].trailer;
    for (const key of trailer.entries.keys()) if (!TRAILER_KEYS.has(key)) facts.trailerProblems.push(`/${key} in the trailer`);
    if (!same(trailer.get('Root'), oldTrailer.get('Root')) || !(trailer.get('Root') instanceof PdfRef)) facts.trailerProblems.push('/Root changed');
    if (!same(trailer.get('Info'), oldTrailer.get('Info'))) facts.trailerProblems.push('/Info changed');
    const rootRef = trailer.get('Root');
    if (!(rootRef instanceof PdfRef) || !same(rootRef, oldTrailer.get('Root'))) continue;

    const oldCat = dictAt(k - 1, rootRef);
    const cat = dictAt(k, rootRef);
    if (!oldCat || !cat) {
      facts.trailerProblems.push('no catalog');
      continue;
    }
    const allowedRedefined = new Set<number>([rootRef.num]);
    // catalog: only /DSS, /AcroForm, /Extensions change
    for (const key of new Set([...oldCat.entries.keys(), ...cat.entries.keys()])) {
      if (!CATALOG_LTV_KEYS.has(key) && !same(oldCat.get(key), cat.get(key))) facts.catalogChanged.push(key);
    }
    const ext = cat.get('Extensions');
    if (ext !== undefined && !same(ext, oldCat.get('Extensions')) && !(ext instanceof PdfDict)) facts.catalogChanged.push('Extensions (not a direct dictionary)');

    // /AcroForm: old fields kept in order, at most one new field, other entries unchanged
    const oldAcroV = oldCat.get('AcroForm');
    const acroV = cat.get('AcroForm');
    if (oldAcroV instanceof PdfRef) allowedRedefined.add(oldAcroV.num);
    if (acroV instanceof PdfRef && !same(acroV, oldAcroV)) facts.acroFormProblems.push('/AcroForm now refers to another object');
    const oldAcro = dictAt(k - 1, oldAcroV);
    const acro = dictAt(k, acroV);
    let newField: PdfRef | undefined;
    if (!acro) {
      if (oldAcro) facts.acroFormProblems.push('/AcroForm removed');
    } else {
      for (const key of new Set([...(oldAcro?.entries.keys() ?? []), ...acro.entries.keys()])) {
        if (key !== 'Fields' && !same(oldAcro?.get(key), acro.get(key))) facts.acroFormProblems.push(`/AcroForm /${key} changed`);
      }
      const oldFieldsV = oldAcro?.get('Fields');
      const fieldsV = acro.get('Fields');
      if (oldFieldsV instanceof PdfRef) allowedRedefined.add(oldFieldsV.num);
      const oldFields = at(k - 1, oldFieldsV) ?? [];
      const fields = at(k, fieldsV);
      if (Array.isArray(fields)) facts.addsField = fields.some((f) => !Array.isArray(oldFields) || !oldFields.some((o) => same(o, f)));
      if (!Array.isArray(oldFields) || !Array.isArray(fields)) facts.acroFormProblems.push('/Fields is not an array');
      else if (fields.length < oldFields.length || !oldFields.every((f, i) => same(f, fields[i]))) facts.acroFormProblems.push('old fields not kept in order');
      else if (fields.length > oldFields.length + 1) facts.acroFormProblems.push(`${fields.length - oldFields.length} new fields (at most one per revision)`);
      else if (fields.length === oldFields.length + 1) {
        const f = fields[fields.length - 1];
        if (f instanceof PdfRef && newObjects.has(f.num)) newField = f;
        else facts.acroFormProblems.push('the new field is not a new object of this revision');
      }
    }

    // the new field: invisible, on no page, its value a document timestamp (ISO 32000-2 §12.8.5)
    const explained = new Set<number>();
    if (newField) {
      explained.add(newField.num);
      const field = dictAt(k, newField);
      if (!field) facts.fieldProblems.push('the new field is not a dictionary');
      else {
        for (const key of field.entries.keys()) if (!FIELD_KEYS.has(key)) facts.fieldProblems.push(`/${key} in the new field`);
        if (nameOf(field.get('FT')) !== 'Sig') facts.fieldProblems.push('the new field is not a signature field');
        const rect = field.get('Rect');
        if (!Array.isArray(rect) || rect.length !== 4 || !rect.every((x) => x === 0)) facts.fieldProblems.push('the new field is not invisible (/Rect [0 0 0 0])');
        const v = field.get('V');
        const sig = v instanceof PdfRef && newObjects.has(v.num) ? dictAt(k, v) : undefined;
        if (!sig || !(v instanceof PdfRef)) facts.fieldProblems.push('the new field has no value that is a new object of this revision');
        else {
          explained.add(v.num);
          for (const key of sig.entries.keys()) if (!DOC_TS_KEYS.has(key)) facts.fieldProblems.push(`/${key} in the document timestamp`);
          if (nameOf(sig.get('Type')) !== 'DocTimeStamp' || nameOf(sig.get('SubFilter')) !== DOC_TIMESTAMP_SUB_FILTER || nameOf(sig.get('Filter')) !== 'Adobe.PPKLite') {
            facts.fieldProblems.push(`the new field's value is not a /DocTimeStamp with /SubFilter /${DOC_TIMESTAMP_SUB_FILTER} and /Filter /Adobe.PPKLite`);
          } else facts.addsTimestamp = facts.fieldProblems.length === 0;
        }
      }
    }

    // /DSS: only /Certs /OCSPs /CRLs of streams; old entries kept; new entries new DER streams
    const oldDssV = oldCat.get('DSS');
    const dssV = cat.get('DSS');
    if (oldDssV instanceof PdfRef) allowedRedefined.add(oldDssV.num);
    if (dssV instanceof PdfRef && newObjects.has(dssV.num)) explained.add(dssV.num);
    if (dssV instanceof PdfRef && !newObjects.has(dssV.num) && !same(dssV, oldDssV)) facts.dssProblems.push('/DSS refers to an object that is neither new nor the old DSS');
    const oldDss = dictAt(k - 1, oldDssV);
    const dss = dictAt(k, dssV);
    if (dssV !== undefined && !dss) facts.dssProblems.push('/DSS is not a dictionary');
    if (oldDss && !dss) facts.dssProblems.push('/DSS removed');
    if (dss) {
      for (const key of dss.entries.keys()) if (!DSS_KEYS.has(key)) facts.dssProblems.push(`/${key} in the DSS${key === 'VRI' ? ' (/VRI is not accepted)' : ''}`);
      if (dss.get('Type') !== undefined && nameOf(dss.get('Type')) !== 'DSS') facts.dssProblems.push('DSS /Type is not /DSS');
      for (const [key, kind] of DSS_ARRAYS) {
        const oldArrV = oldDss?.get(key);
        const arrV = dss.get(key);
        if (oldArrV instanceof PdfRef) allowedRedefined.add(oldArrV.num);
        if (arrV instanceof PdfRef) {
          if (newObjects.has(arrV.num)) explained.add(arrV.num);
          else if (!same(arrV, oldArrV)) facts.dssProblems.push(`DSS /${key} refers to an object that is neither new nor the old array`);
        }
        const oldArr = at(k - 1, oldArrV) ?? [];
        const arr = at(k, arrV) ?? [];
        if (!Array.isArray(oldArr) || !Array.isArray(arr)) {
          facts.dssProblems.push(`DSS /${key} is not an array`);
          continue;
        }
        if (arr.length > r.limits.maxDssEntries) throw limit('too many DSS entries');
        if (arr.length < oldArr.length || !oldArr.every((x, i) => same(x, arr[i]))) facts.dssProblems.push(`DSS /${key}: old entries not kept in order`);
        for (const x of arr.slice(oldArr.length)) {
          if (!(x instanceof PdfRef) || !newObjects.has(x.num)) {
            facts.dssProblems.push(`DSS /${key}: a new entry is not a new object of this revision`);
            continue;
          }
          explained.add(x.num);
          facts.dssAdded[kind]++;
          const s = at(k, x);
          const data = s instanceof PdfStream ? streamOnce(r, x.num, s, decoded) : undefined;
          const problem = data ? derShape(kind, data) : 'not a stream';
          if (problem) facts.dssBadStreams.push(`/${key} object ${x.num}: ${problem}`);
        }
      }
    }

    for (const num of redefined) if (!allowedRedefined.has(num)) facts.disallowedRedefined.push(num);
    for (const num of newObjects) if (!explained.has(num)) facts.unexplainedNew.push(num);
  }
  return { revisionEnds, boundaryProblems, updates, ...readFinalDss(r, decoded, dssBadStreams), dssBadStreams };
}

/** The DSS of the last revision's catalog (as the merged cross-reference table gives it). */
function readFinalDss(r: PdfReader, decoded: Map<number, Buffer>, bad: string[]): { dss?: DssContent } {
  const cat = r.dict(r.trailer.get('Root'));
  const dss = r.dict(cat?.get('DSS'));
  if (!dss) return {};
  const out: DssContent = { certs: [], ocsps: [], crls: [] };
  let n = 0;
  for (const [key, kind] of DSS_ARRAYS) {
    const arr = r.resolve(dss.get(key));
    if (!Array.isArray(arr)) continue;
    for (const x of arr) {
      if (++n > r.limits.maxDssEntries) throw limit('too many DSS entries');
      const s = r.resolve(x);
      const data = s instanceof PdfStream ? (x instanceof PdfRef ? streamOnce(r, x.num, s, decoded) : r.streamData(s)) : undefined;
      const problem = data ? derShape(kind, data) : 'not a stream';
      if (problem || !data) bad.push(`/${key}: ${problem}`);
      else out[kind].push(data);
    }
  }
  return { dss: out };
}

function streamOnce(r: PdfReader, num: number, s: PdfStream, decoded: Map<number, Buffer>): Buffer {
  let d = decoded.get(num);
  if (!d) decoded.set(num, (d = r.streamData(s)));
  return d;
}

/**
 * The outer shape of a DSS entry, strictly: one DER element spanning the whole stream.
 * Certificate and CertificateList (RFC 5280 §4.1, §5.1): SEQUENCE { SEQUENCE, SEQUENCE, BIT
 * STRING }. OCSPResponse (RFC 6960 §4.2.1): SEQUENCE { ENUMERATED, [0] EXPLICIT SEQUENCE
 * {OID, OCTET STRING} OPTIONAL }. The cryptographic checks are the validator's.
 */
export function derShape(kind: 'certs' | 'ocsps' | 'crls', der: Buffer): string | undefined {
  let top: Tlv;
  let parts: Tlv[];
  try {
    top = readTlv(der, 0);
    if (top.tag !== 0x30 || top.end !== der.length) return 'not one DER SEQUENCE';
    parts = children(der, top);
  } catch (e) {
    return `not DER (${(e as Error).message})`;
  }
  if (kind === 'ocsps') {
    if (parts.length < 1 || parts.length > 2 || parts[0].tag !== 0x0a || (parts[1] && parts[1].tag !== 0xa0)) return 'not an OCSPResponse';
    if (parts[1]) {
      try {
        const inner = children(der, parts[1]);
        if (inner.length !== 1 || inner[0].tag !== 0x30) return 'not an OCSPResponse';
        const rb = children(der, inner[0]);
        if (rb.length !== 2 || rb[0].tag !== 0x06 || rb[1].tag !== 0x04) return 'not an OCSPResponse';
      } catch {
        return 'not an OCSPResponse';
      }
    }
    return undefined;
  }
  if (parts.length !== 3 || parts[0].tag !== 0x30 || parts[1].tag !== 0x30 || parts[2].tag !== 0x03) return kind === 'certs' ? 'not a Certificate' : 'not a CertificateList';
  return undefined;
}

/** Past white space only (ISO 32000-1 §7.2.2), no comments. */
function skipWhite(b: Buffer, p: number): number {
  while (p < b.length && (b[p] === 0x20 || b[p] === 0x0a || b[p] === 0x0d || b[p] === 0x09 || b[p] === 0x0c || b[p] === 0x00)) p++;
  return p;
}

function nameOf(v: PdfValue | undefined): string | undefined {
  return v instanceof PdfName ? v.name : undefined;
}

/** Same value as read (references by number and generation, not followed). */
export function same(x: PdfValue | undefined, y: PdfValue | undefined, depth = 0): boolean {
  if (depth > 64) return false;
  if (x === y) return true;
  if (x === undefined || y === undefined || x === null || y === null) return false;
  if (x instanceof PdfRef) return y instanceof PdfRef && x.num === y.num && x.gen === y.gen;
  if (x instanceof PdfName) return y instanceof PdfName && x.name === y.name;
  if (x instanceof PdfString) return y instanceof PdfString && x.bytes.equals(y.bytes);
  if (Array.isArray(x)) return Array.isArray(y) && x.length === y.length && x.every((v, i) => same(v, y[i], depth + 1));
  if (x instanceof PdfDict) {
    if (!(y instanceof PdfDict) || x.entries.size !== y.entries.size) return false;
    for (const [k, v] of x.entries) if (!same(v, y.get(k), depth + 1)) return false;
    return true;
  }
  return false; // streams are indirect: compared by reference above
}
