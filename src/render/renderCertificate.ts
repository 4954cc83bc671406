import { createHash } from 'node:crypto';
import type { SharedPart } from '../core/types';
import type { CertificateView } from './CertificateView';
import { sealArtwork } from './artwork/sealArtwork';
import { qrArtwork } from './artwork/qrArtwork';
import { borderArtwork } from './artwork/borderArtwork';
import { FontSet } from './fonts/FontSet';
import { PdfFontEmbedder, type EmbeddedFont } from './fonts/PdfFontEmbedder';
import { loadLayout, fillTemplate } from './layout/loadLayout';
import type { FieldValue, Layout } from './layout/layoutSchema';
import { PdfWriter, deflate, pdfDate, pdfTextString, num } from './pdf/PdfWriter';
import { TextSetter } from './text/TextSetter';
import { annotationBandOps } from './annotationBand';
import { SAMPLE_WATERMARK_ALPHA, SAMPLE_WATERMARK_TEXT, sampleWatermarkOps } from './sampleWatermark';
import { formatChineseDate, formatChineseYearMonth } from './formatFields';
import { EMBEDDED_DATA_NAME, SIG_FIELD_NAME, SUB_FILTER, SIG_FLAGS_SIGNATURES_EXIST_APPEND_ONLY, ANNOT_FLAGS_PRINT_LOCKED } from '../sign/pdfConstants';

/** A rendered certificate with an empty signature: the signer fills /ByteRange and /Contents. */
export interface PreparedPdf {
  bytes: Buffer;
  /** Offset of the `<` of the /Contents placeholder and of the byte after its `>`. */
  contentsStart: number;
  contentsEnd: number;
  /** Offset of the ByteRange array's first number slot and its fixed width. */
  byteRangeAt: number;
  byteRangeWidth: number;
  /** Where the largest cached stream's bytes lie in the file (src/core/types.ts); signing moves no byte of it. */
  sharedPart?: SharedPart;
}

export interface RenderOptions {
  fonts?: FontSet;
  /** Bytes reserved for the CMS SignedData (DER); the hex placeholder is twice this. */
  signatureSize: number;
  /** Signing time, written to the signature dictionary's /M (PAdES: not a signed attribute). */
  signingTime: Date;
  /** Override the layout (tests). */
  layout?: Layout;
}

const BR_SLOT = 10; // digits reserved for each ByteRange number (files < 10 GB)

/**
 * Render one certificate page of the official layout, with the visible seal as the widget of
 * an unsigned signature field, the QR code, and the certificate data as an embedded JSON file.
 * Single revision, so the one signature will cover the whole file.
 */
export function renderCertificate(view: CertificateView, opts: RenderOptions): PreparedPdf {
  const layout = opts.layout ?? loadLayout(view.style);
  const fontSet = opts.fonts ?? FontSet.load();
  // Two subsets of the same font: the layout's fixed text (cached across certificates, with
  // every digit and the date characters, so numbers and dates never add glyphs) and the
  // holder's own text (a few glyphs per certificate).
  const fonts = new PdfFontEmbedder(fontSet, 'F');
  fonts.encodeRuns(FIXED_CHARACTERS);
  const text = new TextSetter(fonts);
  const holderFonts = new PdfFontEmbedder(fontSet, 'N');
  const holderText = new TextSetter(holderFonts);
  const { width: W, height: H } = layout.page;
  const cx = W / 2;
  const d = view.data;

  const values: Record<string, string | undefined> = {
    title: view.title,
    titleEn: view.titleEn,
    departments: view.departments.join('、'),
    issuingBody: view.issuingBodyName,
    competence: view.competence,
  };
  const fieldText: Record<FieldValue, string> = {
    holderName: d.holderName,
    idNumber: view.idNumber,
    sex: d.sex,
    birth: formatChineseYearMonth(d.birth),
    approvalDate: formatChineseDate(d.approvalDate),
    managementNo: d.managementNo,
    issueDate: formatChineseDate(d.issueDate),
  };

  // ---- page content
  let ops = borderArtwork(W, H);
  ops += 'q 0.1 0.09 0.09 rg 0.1 0.09 0.09 RG\n';
  for (const line of layout.header) ops += text.drawCentered(fillTemplate(line.text, values), cx, line.y, line);
  ops += text.drawCentered(fillTemplate(layout.title.text, values), cx, layout.title.y, layout.title);
  ops += text.drawCentered(fillTemplate(layout.titleEn.text, values), cx, layout.titleEn.y, layout.titleEn);

  const p = layout.paragraph;
  const pStyle = { size: p.size };
  const indent = p.indent * p.size;
  const lines = text.wrap(fillTemplate(p.text, values), p.width, pStyle, indent);
  lines.forEach((line, i) => {
    const x = p.x + (i === 0 ? indent : 0);
    // CJK prose is set justified: spread the slack over the gaps of every line but the last
    const n = Array.from(line).length;
    const slack = p.width - (x - p.x) - text.measure(line, pStyle);
    const tracking = i < lines.length - 1 && n > 1 && slack > 0 ? slack / (n - 1) / p.size : 0;
    ops += text.draw(line, x, p.y - i * p.leading, { ...pStyle, tracking });
  });

  const f = layout.fields;
  const fStyle = { size: f.size };
  const rowY: Partial<Record<FieldValue, number>> = {};
  f.items.forEach((item, i) => {
    const y = f.y - i * f.leading;
    rowY[item.value] = y;
    const value = fieldText[item.value];
    const setter = item.value === 'holderName' || (item.value === 'idNumber' && !/^[0-9X]+$/.test(value)) ? holderText : text;
    ops += text.draw(item.label, f.x, y, fStyle) + setter.draw(value, f.valueX, y, fStyle);
  });

  const q = layout.qr;
  const qrArt = qrArtwork(view.verifyUrl, q.x, q.y, q.size);
  ops += qrArt.ops;
  // the caption below the 4-module quiet zone (ISO/IEC 18004 §6.3.8), which lies outside q.size
  const captionTop = q.y - 4 * qrArt.moduleSize;
  q.caption.forEach((c, i) => {
    ops += text.drawCentered(c, q.x + q.size / 2, captionTop - 9 - i * 11, { size: i === 0 ? 9 : 7.5 });
  });
  if (d.annotation) ops += annotationBandOps(layout.annotationBand, d.annotation, view.annotationPurpose ?? { zh: d.annotation.purpose, en: d.annotation.purpose }, holderText);
  // issue 12: a sample is marked over everything the page content draws (the seal widget stays on top)
  if (d.sample) ops += sampleWatermarkOps(W, H, text, 'GSample');
  ops += 'Q\n';

  // ---- the seal: widget appearance of the signature field, over the issue date
  const R = layout.seal.radius;
  const anchorX = f.valueX + layout.seal.dx;
  const anchorY = (rowY[layout.seal.over] ?? f.y) + f.size * 0.35 + layout.seal.dy;
  const rect = [anchorX - R, anchorY - R, anchorX + R, anchorY + R];
  const sealImage = view.seal.image;
  const sealOps = sealImage ? '' : sealArtwork(view.seal, R, fonts);

  // ---- objects
  const w = new PdfWriter();
  const catalog = w.reserve();
  const pages = w.reserve();
  const page = w.reserve();
  const sig = w.reserve();
  const field = w.reserve();
  const sealForm = w.reserve();
  const multiply = w.add('<< /Type /ExtGState /BM /Multiply /ca 0.92 /CA 0.92 >>');

  const fontDicts: string[] = [];
  // The font subsets are only known once every string has been encoded.
  for (const font of fonts.finish(FIXED_FONT_CACHE)) fontDicts.push(`/${font.resourceName} ${writeFont(w, font, true)} 0 R`);
  for (const font of holderFonts.finish()) fontDicts.push(`/${font.resourceName} ${writeFont(w, font, false)} 0 R`);
  if (FIXED_FONT_CACHE.size > 500) FIXED_FONT_CACHE.delete(FIXED_FONT_CACHE.keys().next().value!);
  const fontResources = `/Font << ${fontDicts.join(' ')} >>`;

  if (sealImage) {
    // the registered seal image, scaled into the widget's square and centred (ISO 32000-1 §8.9.5 image, §11.6.5.3 soft mask)
    const smask = w.deflatedStream(`/Type /XObject /Subtype /Image /Width ${sealImage.width} /Height ${sealImage.height} /ColorSpace /DeviceGray /BitsPerComponent 8`, sealImage.alpha);
    const img = w.deflatedStream(`/Type /XObject /Subtype /Image /Width ${sealImage.width} /Height ${sealImage.height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /SMask ${smask} 0 R /Interpolate true`, sealImage.rgb);
    const k = (2 * R) / Math.max(sealImage.width, sealImage.height);
    const iw = sealImage.width * k;
    const ih = sealImage.height * k;
    w.stream(
      `/Type /XObject /Subtype /Form /BBox [0 0 ${num(2 * R)} ${num(2 * R)}] /Resources << /XObject << /Seal ${img} 0 R >> /ExtGState << /GM ${multiply} 0 R >> >>`,
      `/GM gs q ${num(iw)} 0 0 ${num(ih)} ${num(R - iw / 2)} ${num(R - ih / 2)} cm /Seal Do Q\n`,
      true,
      sealForm,
    );
  } else
    w.stream(
      `/Type /XObject /Subtype /Form /BBox [0 0 ${num(2 * R)} ${num(2 * R)}] /Resources << ${fontResources} /ExtGState << /GM ${multiply} 0 R >> >>`,
      `/GM gs\n${sealOps}`,
      true,
      sealForm,
    );
  const content = w.stream('', ops);
  const sampleGs = d.sample ? ` /ExtGState << /GSample ${w.add(`<< /Type /ExtGState /ca ${SAMPLE_WATERMARK_ALPHA} /CA ${SAMPLE_WATERMARK_ALPHA} >>`)} 0 R >>` : '';
  w.set(
    page,
    `<< /Type /Page /Parent ${pages} 0 R /MediaBox [0 0 ${num(W)} ${num(H)}] /Contents ${content} 0 R` +
      ` /Resources << ${fontResources}${sampleGs} >> /Annots [${field} 0 R] >>`,
  );
  w.set(pages, `<< /Type /Pages /Kids [${page} 0 R] /Count 1 >>`);
  // ISO 32000-1 §12.7.4.5: a signature field whose widget is the visible seal.
  w.set(
    field,
    `<< /Type /Annot /Subtype /Widget /FT /Sig /T ${pdfTextString(SIG_FIELD_NAME)}` +
      ` /V ${sig} 0 R /F ${ANNOT_FLAGS_PRINT_LOCKED} /Rect [${rect.map(num).join(' ')}] /P ${page} 0 R /AP << /N ${sealForm} 0 R >> >>`,
  );

  // Certificate data as an associated file (ISO 32000-2 §14.13, PDF/A-3 style /AF).
  const json = Buffer.from(JSON.stringify({ format: 'ecert-certificate/1', ...d }), 'utf8');
  const ef = w.stream(`/Type /EmbeddedFile /Subtype /application#2Fjson /Params << /Size ${json.length} >>`, json);
  const filespec = w.add(
    `<< /Type /Filespec /F (${EMBEDDED_DATA_NAME}) /UF ${pdfTextString(EMBEDDED_DATA_NAME)} /AFRelationship /Data` +
      ` /Desc ${pdfTextString('证书数据 Certificate data')} /EF << /F ${ef} 0 R >> >>`,
  );
  const info = w.add(
    `<< /Title ${pdfTextString(`${d.sample ? `${SAMPLE_WATERMARK_TEXT} ` : ''}${view.title} 电子证书 ${d.managementNo}`)} /Author ${pdfTextString(d.issuer.name)}` +
      ` /Subject ${pdfTextString('专业技术人员职业资格电子证书')} /Creator (ecert) /Producer (ecert)` +
      ` /CreationDate (${pdfDate(opts.signingTime)}) >>`,
  );
  w.set(
    catalog,
    `<< /Type /Catalog /Pages ${pages} 0 R /Lang (zh-CN) /ViewerPreferences << /DisplayDocTitle true >>` +
      ` /AcroForm << /Fields [${field} 0 R] /SigFlags ${SIG_FLAGS_SIGNATURES_EXIST_APPEND_ONLY} >>` +
      ` /Names << /EmbeddedFiles << /Names [(${EMBEDDED_DATA_NAME}) ${filespec} 0 R] >> >> /AF [${filespec} 0 R] >>`,
  );

  // Signature dictionary (ISO 32000-1 §12.8.1 table 252; ETSI EN 319 142-1 §5.3): placeholders
  // of fixed width, filled by the signer without moving a byte.
  const slot = '0'.repeat(BR_SLOT);
  const hexLen = opts.signatureSize * 2;
  const sigHead =
    `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /${SUB_FILTER} /M (${pdfDate(opts.signingTime)})` +
    ` /Name ${pdfTextString(view.seal.fullName)} /Reason ${pdfTextString('电子证书电子印章 Electronic certificate seal')}` +
    ` /ByteRange [0 `;
  const sigMid = `${slot} ${slot} ${slot}] /Contents <`;
  w.set(sig, Buffer.from(sigHead + sigMid + '0'.repeat(hexLen) + '> >>', 'latin1'));

  const id = createHash('sha256').update(ops).update(json).digest().subarray(0, 16);
  // the signature dictionary last: all but the last ~1 KB of the file precedes /Contents, so the
  // signer hashes that prefix once for both the ByteRange digest and the document's SHA-256
  // (src/sign/signPreparedPdf.ts)
  const { bytes, bodyOffsets, cachedSpans } = w.finish({ root: catalog, info, id }, { last: sig });
  const byteRangeAt = bodyOffsets[sig] + sigHead.length;
  const contentsStart = byteRangeAt + sigMid.length - 1;
  const largest = cachedSpans.reduce<(typeof cachedSpans)[number] | undefined>((m, c) => (m && m.bytes.length >= c.bytes.length ? m : c), undefined);
  return {
    bytes,
    contentsStart,
    contentsEnd: contentsStart + hexLen + 2,
    byteRangeAt,
    byteRangeWidth: BR_SLOT,
    ...(largest && { sharedPart: { offset: largest.offset, length: largest.bytes.length, sha256: cachedHash(largest.bytes) } }),
  };
}

/** SHA-256 of the cached parts, by their (long-lived) buffers: hashed once per part, not per render. */
const CACHED_HASHES = new WeakMap<Buffer, string>();
function cachedHash(b: Buffer): string {
  let h = CACHED_HASHES.get(b);
  if (h === undefined) CACHED_HASHES.set(b, (h = createHash('sha256').update(b).digest('hex')));
  return h;
}

/** Characters every certificate may print in its fields: in the cached subset from the start. */
const FIXED_CHARACTERS = '0123456789X年月日男女';
/** Subsets of the layouts' fixed text, by glyph sequence (a few dozen in practice, bounded). */
const FIXED_FONT_CACHE = new Map<string, EmbeddedFont>();

/** Type0 font with its CIDFontType2 descendant, descriptor, TrueType file and ToUnicode CMap (ISO 32000-1 §9.7). */
function writeFont(w: PdfWriter, font: EmbeddedFont, cached: boolean): number {
  // a cached subset is compressed once, at the smallest size; the holder's own, like any stream
  if (cached) font.deflated ??= { fontFile2: deflate(font.fontFile2, true), toUnicode: deflate(Buffer.from(font.toUnicode, 'latin1'), true) };
  const file = font.deflated ? w.deflatedStream(`/Length1 ${font.fontFile2.length}`, font.deflated.fontFile2) : w.stream(`/Length1 ${font.fontFile2.length}`, font.fontFile2);
  const d = font.descriptor;
  const descriptor = w.add(
    `<< /Type /FontDescriptor /FontName /${font.baseFont} /Flags ${d.flags} /FontBBox [${d.bbox.map(num).join(' ')}]` +
      ` /ItalicAngle ${num(d.italicAngle)} /Ascent ${num(d.ascent)} /Descent ${num(d.descent)} /CapHeight ${num(d.capHeight)}` +
      ` /StemV ${num(d.stemV)} /FontFile2 ${file} 0 R >>`,
  );
  const cidFont = w.add(
    `<< /Type /Font /Subtype /CIDFontType2 /BaseFont /${font.baseFont}` +
      ` /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>` +
      ` /FontDescriptor ${descriptor} 0 R /CIDToGIDMap /Identity /DW 1000 /W ${font.widths} >>`,
  );
  const toUnicode = font.deflated ? w.deflatedStream('', font.deflated.toUnicode) : w.stream('', font.toUnicode);
  return w.add(
    `<< /Type /Font /Subtype /Type0 /BaseFont /${font.baseFont} /Encoding /Identity-H` +
      ` /DescendantFonts [${cidFont} 0 R] /ToUnicode ${toUnicode} 0 R >>`,
  );
}
