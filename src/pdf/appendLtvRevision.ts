import { createHash } from 'node:crypto';
import { ANNOT_FLAGS_PRINT_LOCKED, DOC_TIMESTAMP_FIELD_PREFIX, DOC_TIMESTAMP_SUB_FILTER } from '../sign/pdfConstants';
import { PdfDict, PdfName, PdfReader, PdfRef, PdfStream, malformed, type PdfValue } from '../verify/pdf/PdfReader';
import { serializePdfValue } from './serializePdfValue';

/** What a DSS holds (ETSI EN 319 142-1 §5.4.2): DER certificates, OCSP responses, CRLs. */
export interface ValidationData {
  certs: Buffer[];
  ocsps: Buffer[];
  crls: Buffer[];
}

/** The DSS arrays we write, with the entry kind each holds. */
export const DSS_ARRAYS = [
  ['Certs', 'certs'],
  ['OCSPs', 'ocsps'],
  ['CRLs', 'crls'],
] as const;

const BR_SLOT = 10; // digits reserved for each ByteRange number (files < 10 GB), as src/render/renderCertificate.ts
const DEFAULT_CONTENTS_RESERVE = 16 * 1024;

/**
 * PAdES B-LT/B-LTA (ETSI EN 319 142-1 §5.4, §5.5; ISO 32000-2 §12.8.4.3 DSS, §12.8.5 document
 * timestamp): one incremental update (ISO 32000-1 §7.5.6, classic xref section with /Prev) that
 * adds or extends the /DSS (a stream for each new cert/OCSP/CRL, deduplicated by bytes against
 * the DSS already present; /Certs /OCSPs /CRLs arrays) and one invisible signature field (/FT
 * /Sig, /Rect [0 0 0 0], /F 132 like our seal widget, on no page: the rule of security.md
 * forbids touching pages) whose /V is a /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter
 * /ETSI.RFC3161 signature dictionary with a /ByteRange covering the whole file including this
 * revision except its own /Contents. The catalog is rewritten (same object number) with /DSS,
 * /AcroForm (old /Fields plus the new field, other entries such as /SigFlags kept) and
 * /Extensions (/ADBE BaseVersion /1.7 ExtensionLevel 5); nothing else changes, nothing is freed.
 *
 * `timestamp` receives the SHA-256 of the covered bytes and returns a TimeStampToken (RFC 3161
 * §2.4.2, DER ContentInfo) over it; it is written into the zero-padded hex /Contents. Calling
 * this again on its output appends another revision (renewal), extending the DSS.
 */
export async function appendLtvRevision(
  pdf: Buffer,
  vd: ValidationData,
  timestamp: (sha256Digest: Buffer) => Promise<Buffer>,
  opts: { contentsReserve?: number } = {},
): Promise<Buffer> {
  const r = new PdfReader(pdf);
  r.readXref();
  const trailer = r.trailer;
  const size = trailer.get('Size');
  const root = trailer.get('Root');
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) throw malformed('trailer without a valid /Size');
  if (!(root instanceof PdfRef)) throw malformed('trailer /Root is not an indirect reference');
  if (trailer.get('Encrypt') !== undefined) throw malformed('encrypted files are not updated');
  const catalog = r.dict(root);
  if (!catalog) throw malformed('no document catalog');

  let next = size;
  const objects = new Map<number, Buffer>();
  const put = (num: number, body: string | Buffer) => objects.set(num, typeof body === 'string' ? Buffer.from(body, 'latin1') : body);

  // --- DSS: keep what is there, add streams for what is new (deduplicated by bytes)
  const oldDssRef = catalog.get('DSS');
  const oldDss = r.dict(oldDssRef);
  const dssEntries = new Map<string, PdfValue>();
  if (oldDss) for (const [k, v] of oldDss.entries) dssEntries.set(k, v);
  let dssChanged = false;
  for (const [key, kind] of DSS_ARRAYS) {
    const old = r.resolve(oldDss?.get(key));
    const refs: PdfValue[] = Array.isArray(old) ? [...old] : [];
    const have = new Set<string>();
    for (const ref of refs) {
      const s = r.resolve(ref);
      if (s instanceof PdfStream) have.add(hash(r.streamData(s)));
    }
    for (const der of vd[kind]) {
      const h = hash(der);
      if (have.has(h)) continue;
      have.add(h);
      const num = next++;
      put(num, Buffer.concat([Buffer.from(`<< /Length ${der.length} >>\nstream\n`, 'latin1'), der, Buffer.from('\nendstream', 'latin1')]));
      refs.push(new PdfRef(num, 0));
      dssChanged = true;
    }
    if (refs.length) dssEntries.set(key, refs);
  }
  let dssValue: PdfValue | undefined = oldDssRef;
  if (dssChanged) {
    const num = oldDssRef instanceof PdfRef ? oldDssRef.num : next++;
    const gen = oldDssRef instanceof PdfRef ? oldDssRef.gen : 0;
    if (!dssEntries.has('Type')) dssEntries.set('Type', new PdfName('DSS'));
    put(num, serializePdfValue(new PdfDict(dssEntries)));
    dssValue = new PdfRef(num, gen);
  }

  // --- the document timestamp: signature dictionary and its invisible field
  const reserve = opts.contentsReserve ?? DEFAULT_CONTENTS_RESERVE;
  const sigNum = next++;
  const fieldNum = next++;
  const slot = '0'.repeat(BR_SLOT);
  const sigHead = `<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /${DOC_TIMESTAMP_SUB_FILTER} /ByteRange [0 `;
  const sigMid = `${slot} ${slot} ${slot}] /Contents <`;
  put(sigNum, `${sigHead}${sigMid}${'0'.repeat(reserve * 2)}> >>`);
  const fieldName = `${DOC_TIMESTAMP_FIELD_PREFIX}${r.sections}`;
  put(fieldNum, `<< /Type /Annot /Subtype /Widget /FT /Sig /T (${fieldName}) /F ${ANNOT_FLAGS_PRINT_LOCKED} /Rect [0 0 0 0] /V ${sigNum} 0 R >>`);

  // --- AcroForm: old fields in order plus the new one, every other entry kept
  const acroValue = catalog.get('AcroForm');
  const acro = r.dict(acroValue);
  const acroEntries = new Map<string, PdfValue>(acro ? acro.entries : []);
  const oldFields = r.resolve(acro?.get('Fields'));
  acroEntries.set('Fields', [...(Array.isArray(oldFields) ? oldFields : []), new PdfRef(fieldNum, 0)]);
  let newAcroValue: PdfValue;
  if (acroValue instanceof PdfRef) {
    put(acroValue.num, serializePdfValue(new PdfDict(acroEntries)));
    newAcroValue = acroValue;
  } else newAcroValue = new PdfDict(acroEntries);

  // --- catalog: same object, only /DSS, /AcroForm, /Extensions change
  const catEntries = new Map<string, PdfValue>(catalog.entries);
  if (dssValue !== undefined) catEntries.set('DSS', dssValue);
  catEntries.set('AcroForm', newAcroValue);
  const ext = r.dict(catalog.get('Extensions'));
  const extEntries = new Map<string, PdfValue>(ext ? ext.entries : []);
  extEntries.set('ADBE', new PdfDict(new Map<string, PdfValue>([['BaseVersion', new PdfName('1.7')], ['ExtensionLevel', 5]])));
  catEntries.set('Extensions', new PdfDict(extEntries));
  put(root.num, serializePdfValue(new PdfDict(catEntries)));

  // --- the update: objects, cross-reference section, trailer (ISO 32000-1 §7.5.6)
  const chunks: Buffer[] = [];
  let offset = pdf.length;
  const push = (b: Buffer) => {
    chunks.push(b);
    offset += b.length;
  };
  if (pdf[pdf.length - 1] !== 0x0a && pdf[pdf.length - 1] !== 0x0d) push(Buffer.from('\n', 'latin1'));
  const offsets = new Map<number, number>();
  const gens = new Map<number, number>();
  let sigBodyAt = -1;
  const nums = [...objects.keys()].sort((x, y) => x - y);
  for (const num of nums) {
    const gen = num === root.num ? root.gen : num === (acroValue as PdfRef)?.num ? (acroValue as PdfRef).gen : num === (dssValue as PdfRef)?.num ? (dssValue as PdfRef).gen : 0;
    offsets.set(num, offset);
    gens.set(num, gen);
    const head = Buffer.from(`${num} ${gen} obj\n`, 'latin1');
    push(head);
    if (num === sigNum) sigBodyAt = offset;
    push(objects.get(num)!);
    push(Buffer.from('\nendobj\n', 'latin1'));
  }
  const xrefAt = offset;
  let xref = 'xref\n';
  for (let i = 0; i < nums.length; ) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
    xref += `${nums[i]} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) {
      xref += `${String(offsets.get(nums[k])).padStart(10, '0')} ${String(gens.get(nums[k])).padStart(5, '0')} n\r\n`;
    }
    i = j + 1;
  }
  const info = trailer.get('Info');
  const id = trailer.get('ID');
  xref +=
    `trailer\n<< /Size ${next} /Root ${root.num} ${root.gen} R${info !== undefined ? ` /Info ${serializePdfValue(info)}` : ''}` +
    `${id !== undefined ? ` /ID ${serializePdfValue(id)}` : ''} /Prev ${r.startxref} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  push(Buffer.from(xref, 'latin1'));
  const out = Buffer.concat([pdf, ...chunks]);

  // --- ByteRange [0 a b c]: a the `<` of /Contents, b after its `>`, b + c the file length
  const byteRangeAt = sigBodyAt + sigHead.length;
  const a = byteRangeAt + sigMid.length - 1;
  const b = a + reserve * 2 + 2;
  const c = out.length - b;
  out.write([a, b, c].map((n) => String(n).padEnd(BR_SLOT, ' ')).join(' '), byteRangeAt, 'latin1');
  const digest = createHash('sha256').update(out.subarray(0, a)).update(out.subarray(b)).digest();
  const token = await timestamp(digest);
  if (token.length > reserve) throw new RangeError(`time-stamp token of ${token.length} bytes does not fit the ${reserve}-byte placeholder`);
  out.write(token.toString('hex'), a + 1, 'latin1');
  return out;
}

function hash(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
