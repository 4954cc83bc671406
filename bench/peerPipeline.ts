/**
 * The peer of the issuance benchmark: the pipeline a team would assemble from the usual npm
 * parts (issue #7): pdf-lib + @pdf-lib/fontkit subsetting the same CJK TrueType font, qrcode
 * (PNG), @signpdf/signpdf with its P12 signer (node-forge, RSA-2048), on the same template
 * text as ours. Kept deliberately ordinary: this is the baseline, not a straw man.
 */
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { PDFDocument, rgb } from 'pdf-lib';
import fontkit from '@pdf-lib/fontkit';
import QRCode from 'qrcode';
import { SignPdf } from '@signpdf/signpdf';
import { P12Signer } from '@signpdf/signer-p12';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';

export interface PeerCertificate {
  lines: string[];
  paragraph: string;
  fields: Array<[string, string]>;
  qrText: string;
}

/** A self-signed RSA-2048 P12, made once (node-forge, as such pipelines do). */
export function makePeerP12(): Buffer {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2025-01-01');
  cert.validity.notAfter = new Date('2035-01-01');
  const attrs = [{ name: 'commonName', value: 'peer seal' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], '', { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
}

export class PeerPipeline {
  private readonly signpdf = new SignPdf();

  constructor(
    private readonly fontBytes: Buffer,
    private readonly p12: Buffer,
  ) {}

  static fromFontPath(fontPath: string, p12 = makePeerP12()): PeerPipeline {
    return new PeerPipeline(readFileSync(fontPath), p12);
  }

  async issue(c: PeerCertificate): Promise<Buffer> {
    const doc = await PDFDocument.create();
    doc.registerFontkit(fontkit);
    const font = await doc.embedFont(this.fontBytes, { subset: true });
    const page = doc.addPage([595.28, 841.89]);
    let y = 712;
    for (const [i, line] of c.lines.entries()) {
      const size = i < 2 ? 24 : 14;
      page.drawText(line, { x: (595.28 - font.widthOfTextAtSize(line, size)) / 2, y, size, font });
      y -= 44;
    }
    // paragraph, wrapped by characters
    let row = '';
    y = 496;
    for (const ch of Array.from(c.paragraph)) {
      if (font.widthOfTextAtSize(row + ch, 13.5) > 387) {
        page.drawText(row, { x: 104, y, size: 13.5, font });
        y -= 26;
        row = '';
      }
      row += ch;
    }
    page.drawText(row, { x: 104, y, size: 13.5, font });
    y = 368;
    for (const [label, value] of c.fields) {
      page.drawText(label, { x: 132, y, size: 13, font });
      page.drawText(value, { x: 218, y, size: 13, font });
      y -= 30;
    }
    const png = await QRCode.toBuffer(c.qrText, { errorCorrectionLevel: 'M', margin: 4, scale: 4 });
    page.drawImage(await doc.embedPng(png), { x: 414, y: 268, width: 88, height: 88 });
    page.drawText('seal', { x: 300, y: 190, size: 10, font, color: rgb(0.8, 0.1, 0.1) });
    pdflibAddPlaceholder({ pdfDoc: doc, reason: 'e-certificate', contactInfo: '', name: 'peer', location: '', subFilter: SUBFILTER_ETSI_CADES_DETACHED, signatureLength: 4096 });
    const unsigned = Buffer.from(await doc.save({ useObjectStreams: false }));
    // P12Signer consumes its buffer, so one per signature (as @signpdf's examples do)
    return this.signpdf.sign(unsigned, new P12Signer(this.p12, { passphrase: '' }));
  }
}
