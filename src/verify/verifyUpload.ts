import { EcertError } from '../core/errors';
import { decodeQrImage } from '../qr/decodeQrImage';
import { tokenFromText } from '../qr/tokenFromText';
import { verifyPdf, type VerifyPdfDeps } from './verifyPdf';
import { verifyToken, type VerifyTokenDeps } from './verifyToken';
import type { VerificationReport } from './VerificationReport';

/** ISO 32000-1 §7.5.2 header within the first 1024 bytes. */
const isPdf = (b: Buffer) => b.subarray(0, 1024).indexOf('%PDF-') >= 0;
/** PNG signature (ISO/IEC 15948 §5.2), JPEG SOI marker (ISO/IEC 10918-1 B.1.1.2), WebP RIFF header (RFC 9649 §2). */
const isImage = (b: Buffer) =>
  b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) ||
  (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) ||
  (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP');

/**
 * One uploaded file → a report: a PDF is verified as a document (evidence pdf); a PNG/JPEG
 * photo or screenshot of the QR code is decoded (src/qr/decodeQrImage, off the main thread) and
 * its token verified (evidence qr). ERR_NOT_PDF (neither), ERR_QR_NOT_FOUND (no readable QR) otherwise.
 */
export async function verifyUpload(bytes: Buffer, deps: VerifyPdfDeps & VerifyTokenDeps): Promise<VerificationReport> {
  if (isPdf(bytes)) return verifyPdf(bytes, deps);
  if (!isImage(bytes)) throw new EcertError('ERR_NOT_PDF', { zh: '上传的文件既不是 PDF 也不是二维码图片（PNG/JPEG/WebP）', en: 'The uploaded file is neither a PDF nor an image (PNG/JPEG/WebP) of a QR code' });
  const text = await decodeQrImage(bytes);
  const token = text ? tokenFromText(text) : undefined;
  if (!token) throw new EcertError('ERR_QR_NOT_FOUND');
  return verifyToken(token, deps);
}
