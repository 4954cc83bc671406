/**
 * Forged and altered variants of a validly issued certificate, one per attack class and
 * variant of ../shared/reference/security.md (Mladenov et al. CCS 2019: USF, ISA, SWA;
 * Mainka et al. NDSS 2021: shadow attacks; IEEE S&P 2021: certification attacks). Generated
 * from the bytes of a real certificate in each test run; nothing is stored.
 */
export interface Attack {
  cls: string;
  variant: string;
  bytes: Buffer;
}

const latin1 = (b: Buffer) => b.toString('latin1');
const buf = (s: string) => Buffer.from(s, 'latin1');

/** Replace the first match of `re` with `f(match)` keeping the file length (space padded). */
function samelen(pdf: Buffer, re: RegExp, f: (m: RegExpExecArray) => string): Buffer {
  const s = latin1(pdf);
  const m = re.exec(s);
  if (!m) throw new Error(`pattern ${re} not found`);
  let rep = f(m);
  if (rep.length > m[0].length) throw new Error(`replacement longer than ${re}`);
  rep = rep.padEnd(m[0].length, ' ');
  return buf(s.slice(0, m.index) + rep + s.slice(m.index + m[0].length));
}

function sigParts(pdf: Buffer) {
  const s = latin1(pdf);
  const br = /\/ByteRange \[0 (\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(s)!;
  const [a, b, c] = [Number(br[1]), Number(br[2]), Number(br[3])];
  return { s, a, b, c, brIndex: br.index, brText: br[0] };
}

function lastXref(pdf: Buffer): { prev: number; size: number } {
  const s = latin1(pdf);
  const prev = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(s)![1]);
  const size = Number(/\/Size (\d+)/.exec(s.slice(s.lastIndexOf('trailer')))![1]);
  return { prev, size };
}

/** An incremental update (ISO 32000-1 §7.5.6) adding or replacing objects. */
export function incrementalUpdate(pdf: Buffer, objects: Array<[number, string]>, opts: { brokenXref?: boolean; rootRef?: string } = {}): Buffer {
  const { prev, size } = lastXref(pdf);
  let body = '\n';
  const offsets: Array<[number, number]> = [];
  for (const [num, content] of objects) {
    offsets.push([num, pdf.length + body.length]);
    body += `${num} 0 obj\n${content}\nendobj\n`;
  }
  const xrefAt = pdf.length + body.length;
  let xref = 'xref\n';
  for (const [num, off] of offsets) xref += `${num} 1\n${String(opts.brokenXref ? off + 7 : off).padStart(10, '0')} 00000 n\r\n`;
  const newSize = Math.max(size, ...objects.map(([n]) => n + 1));
  const root = opts.rootRef ?? /\/Root (\d+ 0 R)/.exec(latin1(pdf))![1];
  xref += `trailer\n<< /Size ${newSize} /Root ${root} /Prev ${prev} >>\nstartxref\n${opts.brokenXref ? xrefAt + 3 : xrefAt}\n%%EOF\n`;
  return Buffer.concat([pdf, buf(body + xref)]);
}

export function attackCorpus(pdf: Buffer, extras: { foreignSigned?: Buffer } = {}): Attack[] {
  const out: Attack[] = [];
  const add = (cls: string, variant: string, f: () => Buffer) => out.push({ cls, variant, bytes: f() });
  const { s, a, b, c } = sigParts(pdf);
  const contents = s.slice(a, b); // "<hex…>"
  const hex = contents.slice(1, -1);
  // length of the DER value from its header (X.690 §8.1.3), in hex digits
  const lenByte = parseInt(hex.slice(2, 4), 16);
  const lenOfLen = lenByte & 0x80 ? lenByte & 0x7f : 0;
  const derHexLen = 2 * (2 + lenOfLen + (lenOfLen ? parseInt(hex.slice(4, 4 + 2 * lenOfLen), 16) : lenByte));
  const setContents = (newHex: string) => buf(s.slice(0, a + 1) + newHex.padEnd(hex.length, '0').slice(0, hex.length) + s.slice(b - 1));
  const pageObj = Number(/(\d+) 0 obj\n<< \/Type \/Page /.exec(s)![1]);
  const sigObj = Number(/(\d+) 0 obj\n<< \/Type \/Sig /.exec(s)![1]);
  const fieldObj = Number(/(\d+) 0 obj\n<< \/Type \/Annot \/Subtype \/Widget \/FT \/Sig/.exec(s)![1]);
  const pageDict = /\d+ 0 obj\n(<< \/Type \/Page [\s\S]*?>>)\nendobj/.exec(s)![1];

  // --- Universal signature forgery (USF)
  add('USF', 'ByteRange missing', () => samelen(pdf, /\/ByteRange/, () => '/ByteRangX'));
  add('USF', 'ByteRange null', () => samelen(pdf, /\/ByteRange \[[^\]]*\]/, () => '/ByteRange null'));
  add('USF', 'ByteRange empty', () => samelen(pdf, /\/ByteRange \[[^\]]*\]/, () => '/ByteRange []'));
  add('USF', 'ByteRange zeros', () => samelen(pdf, /\/ByteRange \[[^\]]*\]/, () => '/ByteRange [0 0 0 0]'));
  add('USF', 'ByteRange negative', () => samelen(pdf, /\/ByteRange \[[^\]]*\]/, () => `/ByteRange [0 ${a} ${b} -${c}]`));
  add('USF', 'ByteRange six entries', () => samelen(pdf, /\/ByteRange \[[^\]]*\]/, () => `/ByteRange [0 ${a} ${b} ${c - 10} 0 10]`));
  add('USF', 'ByteRange points elsewhere', () => samelen(pdf, /\/ByteRange \[[^\]]*\]/, () => `/ByteRange [0 ${a - 100} ${b - 100} ${c + 100}]`));
  add('USF', 'ByteRange covers less', () => samelen(pdf, /\/ByteRange \[[^\]]*\]/, () => `/ByteRange [0 ${a} ${b} ${c - 50}]`));
  add('USF', 'Contents missing', () => samelen(pdf, /\/Contents </, () => '/Contentz <'));
  add('USF', 'Contents null', () => buf(s.slice(0, a) + 'null'.padEnd(b - a, ' ') + s.slice(b)));
  add('USF', 'Contents empty', () => buf(s.slice(0, a) + '<>'.padEnd(b - a, ' ') + s.slice(b)));
  add('USF', 'Contents zeros', () => setContents(''));
  add('USF', 'padding changed', () => setContents(hex.slice(0, derHexLen) + '1'));
  add('USF', 'hex case changed inside the signature value', () => setContents(hex.slice(0, derHexLen).toUpperCase()));
  add('USF', 'padding changed at the end', () => buf(s.slice(0, b - 2) + '7' + s.slice(b - 1)));

  // --- Crypto downgrades and junk CMS
  add('CMS', 'junk DER sequence', () => setContents('3003020101'));
  add('CMS', 'truncated CMS', () => setContents(hex.slice(0, Math.floor(derHexLen / 2))));
  add('CMS', 'trailing garbage after CMS', () => setContents(hex.slice(0, derHexLen) + 'deadbeef'));
  add('CMS', 'one CMS byte flipped', () => setContents(hex.slice(0, derHexLen - 10) + (hex[derHexLen - 10] === 'a' ? 'b' : 'a') + hex.slice(derHexLen - 9, derHexLen)));
  add('CMS', 'SubFilter adbe.pkcs7.sha1', () => samelen(pdf, /\/SubFilter \/ETSI\.CAdES\.detached/, () => '/SubFilter /adbe.pkcs7.sha1'));
  add('CMS', 'SubFilter adbe.x509.rsa_sha1', () => samelen(pdf, /\/SubFilter \/ETSI\.CAdES\.detached/, () => '/SubFilter /adbe.x509.rsa_sha1'));
  if (extras.foreignSigned) add('CMS', 'signed by a key that is not ours', () => extras.foreignSigned!);

  // --- Incremental saving attack (ISA)
  const newContent = '<< /Length 44 >>\nstream\nBT /F1 40 Tf 100 400 Td <0001> Tj ET q Q   \nendstream';
  add('ISA', 'new page content, valid xref', () => incrementalUpdate(pdf, [[900, newContent], [pageObj, pageDict.replace(/\/Contents \d+ 0 R/, '/Contents 900 0 R')]]));
  add('ISA', 'new page content, broken xref', () => incrementalUpdate(pdf, [[900, newContent], [pageObj, pageDict.replace(/\/Contents \d+ 0 R/, '/Contents 900 0 R')]], { brokenXref: true }));
  add('ISA', 'appended bytes without xref', () => Buffer.concat([pdf, buf('\n900 0 obj\n(x)\nendobj\n')]));
  add('ISA', 'appended comment', () => Buffer.concat([pdf, buf('%junk\n')]));
  add('ISA', 'second trailer without objects', () => incrementalUpdate(pdf, []));

  // --- Signature wrapping (SWA): gap widened so unsigned objects sit inside it
  add('SWA', 'gap widened, original ByteRange kept', () => buf(s.slice(0, b) + '\n901 0 obj\n(unsigned)\nendobj\n' + s.slice(b)));
  add('SWA', 'gap widened and ByteRange moved', () => {
    const junk = '\n901 0 obj\n(unsigned)\nendobj\n';
    const t = samelen(pdf, /\/ByteRange \[[^\]]*\]/, () => `/ByteRange [0 ${a} ${b + junk.length} ${c}]`);
    const ts = latin1(t);
    return buf(ts.slice(0, b) + junk + ts.slice(b));
  });
  add('SWA', 'signed part moved after the gap', () => {
    const t = samelen(pdf, /\/ByteRange \[[^\]]*\]/, () => `/ByteRange [0 ${a} ${b + 20} ${c}]`);
    const ts = latin1(t);
    return buf(ts.slice(0, b) + ' '.repeat(20) + ts.slice(b));
  });

  // --- Shadow attacks (hide, replace, hide-and-replace, xref-only repoint)
  add('Shadow', 'hide: overlay object over the page', () =>
    incrementalUpdate(pdf, [[902, '<< /Length 30 >>\nstream\n1 1 1 rg 0 0 600 850 re f  \nendstream'], [pageObj, pageDict.replace(/\/Contents (\d+) 0 R/, '/Contents [$1 0 R 902 0 R]')]]),
  );
  add('Shadow', 'replace: font object replaced', () => {
    const fontObj = Number(/(\d+) 0 obj\n<< \/Type \/Font \/Subtype \/Type0/.exec(s)![1]);
    return incrementalUpdate(pdf, [[fontObj, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>']]);
  });
  add('Shadow', 'xref-only repoint of the page content', () => {
    // a later xref section that maps the content object number to another existing offset
    const contentObj = Number(/\/Contents (\d+) 0 R/.exec(pageDict)![1]);
    const otherOffset = s.indexOf(`${sigObj} 0 obj`);
    const { prev, size } = lastXref(pdf);
    const xrefAt = pdf.length;
    return Buffer.concat([pdf, buf(`xref\n${contentObj} 1\n${String(otherOffset).padStart(10, '0')} 00000 n\r\ntrailer\n<< /Size ${size} /Root ${/\/Root (\d+ 0 R)/.exec(s)![1]} /Prev ${prev} >>\nstartxref\n${xrefAt}\n%%EOF\n`)]);
  });
  add('Shadow', 'hide-and-replace: new catalog with other pages', () => {
    const catObj = Number(/(\d+) 0 obj\n<< \/Type \/Catalog/.exec(s)![1]);
    return incrementalUpdate(pdf, [[903, `<< /Type /Pages /Kids [${pageObj} 0 R] /Count 1 >>`], [catObj, `<< /Type /Catalog /Pages 903 0 R >>`]]);
  });

  // --- Certification-style additions after signing
  add('Certification', 'annotation added', () => incrementalUpdate(pdf, [[904, '<< /Type /Annot /Subtype /FreeText /Rect [100 100 400 200] /Contents (伪造) /DA (/Helv 12 Tf 0 g) >>'], [pageObj, pageDict.replace(/\/Annots \[([^\]]*)\]/, '/Annots [$1 904 0 R]')]]));
  add('Certification', 'extra signature field added', () =>
    incrementalUpdate(pdf, [[905, `<< /Type /Annot /Subtype /Widget /FT /Sig /T (second) /Rect [0 0 0 0] /P ${pageObj} 0 R >>`], [pageObj, pageDict.replace(/\/Annots \[([^\]]*)\]/, '/Annots [$1 905 0 R]')]]),
  );
  add('Certification', 'second signature dictionary hidden in the file body', () => {
    // an unreferenced second /Sig object inserted before the signature, inside the signed range is impossible
    // without breaking the hash, so it is placed in an update
    return incrementalUpdate(pdf, [[906, `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 ${a} ${b} ${c}] /Contents ${contents} >>`], [fieldObj + 0, latin1(pdf).match(new RegExp(`${fieldObj} 0 obj\\n(<<[\\s\\S]*?>>)\\nendobj`))![1].replace(/\/V \d+ 0 R/, '/V 906 0 R')]]);
  });

  // --- Structure
  add('Structure', 'truncated file', () => pdf.subarray(0, Math.floor(pdf.length * 0.7)));
  add('Structure', 'header only', () => pdf.subarray(0, 16));
  add('Structure', 'bytes before the header', () => Buffer.concat([buf('JUNK'), pdf]));
  return out;
}

/** How one forged long-term validation update differs from a well-formed one (see `ltvUpdate`). */
export interface LtvForgery {
  /** Change the new catalog's text. */
  catalog?: (cat: string) => string;
  /** Change the DSS dictionary's text. */
  dss?: (dss: string, n: { cert: number }) => string;
  /** Change the new field's text. */
  field?: (field: string) => string;
  /** Change the document timestamp's signature dictionary text. */
  sig?: (sig: string) => string;
  /** Bytes of the DSS certificate stream (default: a real certificate). */
  certStream?: Buffer;
  /** More objects in the same revision; `next` gives unused object numbers. */
  objects?: (next: () => number, ctx: { field: number; s: string }) => Array<[number, string]>;
  /** Object numbers given a free ('f') entry in the revision's xref section. */
  freed?: number[];
  /** Added to the ByteRange's last number (the timestamp then covers less or more than its revision). */
  coverDelta?: number;
  /** Change the trailer's text. */
  trailer?: (t: string) => string;
  /** Text written in the body before the xref section, listed nowhere. */
  unlisted?: string;
}

/**
 * A PAdES B-LTA update (ETSI EN 319 142-1 §5.4, §5.5) written by hand, independent of
 * src/pdf/appendLtvRevision.ts: a DSS with one certificate stream and an invisible
 * document-timestamp field, the catalog rewritten, the ByteRange covering the revision and
 * `token` in /Contents. With no forgery the result passes the verifier's update rules; each
 * forgery changes one thing.
 */
export function ltvUpdate(pdf: Buffer, token: Buffer, cert: Buffer, f: LtvForgery = {}): Buffer {
  const s = latin1(pdf);
  const { prev, size } = lastXref(pdf);
  const lastTrailer = s.slice(s.lastIndexOf('trailer'));
  const root = Number(/\/Root (\d+) 0 R/.exec(lastTrailer)![1]);
  const info = /\/Info (\d+ 0 R)/.exec(lastTrailer)?.[1];
  const cats = [...s.matchAll(new RegExp(`\\n${root} 0 obj\\n(<<[\\s\\S]*?>>)\\nendobj`, 'g'))];
  const catText = cats[cats.length - 1][1];
  let next = size;
  const certNum = next++;
  const dssNum = next++;
  const sigNum = next++;
  const fieldNum = next++;
  const certBytes = f.certStream ?? cert;
  let cat = catText.replace(/\/Fields \[([^\]]*)\]/, `/Fields [$1 ${fieldNum} 0 R]`).replace(/>>$/, `/DSS ${dssNum} 0 R /Extensions << /ADBE << /BaseVersion /1.7 /ExtensionLevel 5 >> >> >>`);
  cat = f.catalog ? f.catalog(cat) : cat;
  const dss = f.dss ? f.dss(`<< /Type /DSS /Certs [${certNum} 0 R] >>`, { cert: certNum }) : `<< /Type /DSS /Certs [${certNum} 0 R] >>`;
  const hexLen = 2 * Math.max(8192, token.length + 16);
  const slot = '0'.repeat(10);
  let sig = `<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [0 ${slot} ${slot} ${slot}] /Contents <${'0'.repeat(hexLen)}> >>`;
  sig = f.sig ? f.sig(sig) : sig;
  let field = `<< /Type /Annot /Subtype /Widget /FT /Sig /T (ecert-doc-timestamp-1) /F 132 /Rect [0 0 0 0] /V ${sigNum} 0 R >>`;
  field = f.field ? f.field(field) : field;
  const objects: Array<[number, string]> = [
    [root, cat],
    [certNum, `<< /Length ${certBytes.length} >>\nstream\n${latin1(certBytes)}\nendstream`],
    [dssNum, dss],
    [sigNum, sig],
    [fieldNum, field],
    ...(f.objects ? f.objects(() => next++, { field: fieldNum, s }) : []),
  ];
  let body = '\n';
  const offsets: Array<[number, number]> = [];
  let sigAt = -1;
  for (const [num, content] of objects) {
    offsets.push([num, pdf.length + body.length]);
    if (num === sigNum) sigAt = pdf.length + body.length;
    body += `${num} 0 obj\n${content}\nendobj\n`;
  }
  body += f.unlisted ?? '';
  const xrefAt = pdf.length + body.length;
  let xref = 'xref\n';
  for (const [num, off] of offsets) xref += `${num} 1\n${String(off).padStart(10, '0')} 00000 n\r\n`;
  for (const num of f.freed ?? []) xref += `${num} 1\n0000000000 00001 f\r\n`;
  let trailer = `<< /Size ${next} /Root ${root} 0 R${info ? ` /Info ${info}` : ''} /Prev ${prev} >>`;
  trailer = f.trailer ? f.trailer(trailer) : trailer;
  xref += `trailer\n${trailer}\nstartxref\n${xrefAt}\n%%EOF\n`;
  const out = Buffer.concat([pdf, buf(body + xref)]);
  const o = latin1(out);
  const brAt = o.indexOf('/ByteRange [0 ', sigAt) + '/ByteRange [0 '.length;
  const a = o.indexOf('/Contents <', sigAt) + '/Contents '.length;
  const b = o.indexOf('>', a) + 1;
  const c = out.length - b + (f.coverDelta ?? 0);
  out.write([a, b, c].map((n) => String(n).padEnd(10, ' ')).join(' '), brAt, 'latin1');
  out.write(token.toString('hex'), a + 1, 'latin1');
  return out;
}

/**
 * Forged long-term validation updates (security.md, "Long-term validation updates"): each is
 * one change a verifier accepting B-LT/B-LTA updates must refuse. `pdf` is a sealed certificate
 * of one revision; `token` any TimeStampToken; `cert` a DER certificate for the DSS.
 */
export function ltvAttackCorpus(pdf: Buffer, token: Buffer, cert: Buffer): Attack[] {
  const out: Attack[] = [];
  const add = (variant: string, f: () => Buffer) => out.push({ cls: 'LTV', variant, bytes: f() });
  const s = latin1(pdf);
  const pageObj = Number(/(\d+) 0 obj\n<< \/Type \/Page /.exec(s)![1]);
  const pageDict = /\d+ 0 obj\n(<< \/Type \/Page [\s\S]*?>>)\nendobj/.exec(s)![1];
  const fileObj = Number(/(\d+) 0 obj\n<< (?:\/Filter \/FlateDecode )?\/Length \d+ \/Type \/EmbeddedFile/.exec(s)![1]);
  const good = ltvUpdate(pdf, token, cert);

  add('DSS update that also replaces the page content', () =>
    ltvUpdate(pdf, token, cert, { objects: (next) => { const n = next(); return [[n, '<< /Length 20 >>\nstream\nBT /F1 40 Tf ET    \nendstream'], [pageObj, pageDict.replace(/\/Contents \d+ 0 R/, `/Contents ${n} 0 R`)]]; } }),
  );
  add('DSS update that adds an annotation to the page', () =>
    ltvUpdate(pdf, token, cert, { objects: (next) => { const n = next(); return [[n, '<< /Type /Annot /Subtype /FreeText /Rect [100 100 400 200] /Contents (伪造) >>'], [pageObj, pageDict.replace(/\/Annots \[([^\]]*)\]/, `/Annots [$1 ${n} 0 R]`)]]; } }),
  );
  add('document-timestamp field put on the page', () =>
    ltvUpdate(pdf, token, cert, { field: (x) => x.replace('/Rect', `/P ${pageObj} 0 R /Rect`), objects: (_n, ctx) => [[pageObj, pageDict.replace(/\/Annots \[([^\]]*)\]/, `/Annots [$1 ${ctx.field} 0 R]`)]] }),
  );
  add('visible document-timestamp field', () => ltvUpdate(pdf, token, cert, { field: (x) => x.replace('/Rect [0 0 0 0]', '/Rect [10 10 300 80]') }));
  add('document timestamp covering less than its revision', () => ltvUpdate(pdf, token, cert, { coverDelta: -20 }));
  add('document timestamp covering more than the file', () => ltvUpdate(pdf, token, cert, { coverDelta: 20 }));
  add('second seal signature (ETSI.CAdES.detached) in a later revision', () =>
    ltvUpdate(pdf, token, cert, { sig: (x) => x.replace('/Type /DocTimeStamp', '/Type /Sig').replace('/SubFilter /ETSI.RFC3161', '/SubFilter /ETSI.CAdES.detached') }),
  );
  add('document timestamp with a SubFilter other than ETSI.RFC3161', () => ltvUpdate(pdf, token, cert, { sig: (x) => x.replace('/SubFilter /ETSI.RFC3161', '/SubFilter /ETSI.RFC3162') }));
  add('revision after the last document timestamp changing the embedded holder data', () => {
    const data = '{"managementNo":"forged","name":"Forged Holder"}';
    return incrementalUpdate(good, [[fileObj, `<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length ${Buffer.byteLength(data)} >>\nstream\n${data}\nendstream`]], { rootRef: `${/\/Root (\d+ 0 R)/.exec(s)![1]}` });
  });
  add('revision after the last document timestamp adding only DSS data', () => {
    const g = latin1(good);
    const root = Number(/\/Root (\d+) 0 R/.exec(g)![1]);
    const cats = [...g.matchAll(new RegExp(`\\n${root} 0 obj\\n(<<[\\s\\S]*?>>)\\nendobj`, 'g'))];
    const { size } = lastXref(good);
    const cat = cats[cats.length - 1][1].replace(/\/DSS \d+ 0 R/, `/DSS ${size + 1} 0 R`);
    return incrementalUpdate(good, [[size, `<< /Length ${cert.length} >>\nstream\n${latin1(cert)}\nendstream`], [size + 1, `<< /Type /DSS /Certs [${size} 0 R] >>`], [root, cat]]);
  });
  add('update that frees an object', () => ltvUpdate(pdf, token, cert, { freed: [7] }));
  add('catalog /OpenAction added', () => ltvUpdate(pdf, token, cert, { catalog: (c) => c.replace(/>>$/, '/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>') }));
  add('catalog /Names replaced', () => ltvUpdate(pdf, token, cert, { catalog: (c) => c.replace(/\/Names << \/EmbeddedFiles << \/Names \[[^\]]*\] >> >>/, '/Names << >>') }));
  add('catalog /Perms added', () => ltvUpdate(pdf, token, cert, { catalog: (c) => c.replace(/>>$/, '/Perms << >> >>') }));
  add('DSS stream that is not DER', () => ltvUpdate(pdf, token, cert, { certStream: buf('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----') }));
  add('DSS stream with trailing bytes after the DER certificate', () => ltvUpdate(pdf, token, cert, { certStream: Buffer.concat([cert, buf('\x00')]) }));
  add('DSS /OCSPs holding a certificate', () => ltvUpdate(pdf, token, cert, { dss: (_d, n) => `<< /Type /DSS /OCSPs [${n.cert} 0 R] >>` }));
  add('DSS referring to a page object', () => ltvUpdate(pdf, token, cert, { dss: (_d, n) => `<< /Type /DSS /Certs [${n.cert} 0 R ${pageObj} 0 R] >>` }));
  add('DSS with /VRI', () => ltvUpdate(pdf, token, cert, { dss: (d) => d.replace(/>>$/, '/VRI << >> >>') }));
  add('DSS with another key', () => ltvUpdate(pdf, token, cert, { dss: (d) => d.replace(/>>$/, '/JS (x) >>') }));
  add('two new fields in one revision', () =>
    ltvUpdate(pdf, token, cert, { objects: (next, ctx) => { const n = next(); return [[n, '<< /FT /Tx /T (x) /Rect [0 0 0 0] >>']]; }, catalog: (c) => c.replace(/\/Fields \[([^\]]*)\]/, (_m, x: string) => `/Fields [${x} ${Number(/(\d+) 0 R$/.exec(x.trim())![1]) + 1} 0 R]`) }),
  );
  add('old seal field dropped from /AcroForm', () => ltvUpdate(pdf, token, cert, { catalog: (c) => c.replace(/\/Fields \[\d+ 0 R /, '/Fields [') }));
  add('/AcroForm /SigFlags changed', () => ltvUpdate(pdf, token, cert, { catalog: (c) => c.replace('/SigFlags 3', '/SigFlags 1') }));
  add('unreferenced second signature dictionary in the update', () =>
    ltvUpdate(pdf, token, cert, { objects: (next) => [[next(), '<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Contents <00> >>']] }),
  );
  add('object in the update body listed in no cross-reference section', () => ltvUpdate(pdf, token, cert, { unlisted: `${pageObj} 0 obj\n${pageDict.replace(/\/Contents \d+ 0 R/, '/Contents 7 0 R')}\nendobj\n` }));
  add('comment hidden in the update body', () => ltvUpdate(pdf, token, cert, { unlisted: '%\u4F2A\u9020 hidden\n' }));
  add('trailer /Info replaced', () => ltvUpdate(pdf, token, cert, { trailer: (t) => t.replace(/\/Info \d+ 0 R/, '/Info 2 0 R') }));
  add('trailer /Encrypt added', () => ltvUpdate(pdf, token, cert, { trailer: (t) => t.replace(/>>$/, '/Encrypt 2 0 R >>') }));
  return out;
}
