import type { Request } from 'express';
import busboy from 'busboy';
import { EcertError } from '../core/errors';

/**
 * The uploaded PDF of POST /api/v1/verify: raw `application/pdf` (or octet-stream), or the
 * `file` field of `multipart/form-data`. Streams with a hard byte limit (413 past it), so
 * an oversize upload is never buffered whole.
 */
export async function readPdfUpload(req: Request, limit: number): Promise<Buffer> {
  const body = await readUploadedFile(req, limit);
  if (!isPdf(body)) throw new EcertError('ERR_NOT_PDF');
  return body;
}

/** ISO 32000-1 §7.5.2: the header, possibly preceded by junk within the first 1024 bytes. */
export function isPdf(body: Buffer): boolean {
  return body.subarray(0, 1024).indexOf('%PDF-') >= 0;
}

/** The uploaded file's bytes, of any type (the /verify page also takes QR images). */
export async function readUploadedFile(req: Request, limit: number): Promise<Buffer> {
  const type = (req.get('content-type') ?? '').toLowerCase();
  let body: Buffer;
  if (type.startsWith('multipart/form-data')) body = await readMultipartFile(req, limit);
  else if (/^(application\/(pdf|octet-stream)|image\/)/.test(type)) body = await readRaw(req, limit);
  else throw new EcertError('ERR_UNSUPPORTED_MEDIA_TYPE', { zh: '请上传 PDF 文件', en: 'send application/pdf or multipart/form-data with a field "file"' });
  if (body.length === 0) throw new EcertError('ERR_EMPTY_BODY');
  return body;
}

function readRaw(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function readMultipartFile(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: limit, files: 1, fields: 10, parts: 12 } });
    } catch {
      reject(new EcertError('ERR_BAD_REQUEST', { en: 'malformed multipart request' }));
      return;
    }
    let file: Buffer | undefined;
    let failed = false;
    const fail = (e: EcertError) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      reject(e);
    };
    bb.on('file', (name, stream) => {
      if (name !== 'file') {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(tooLarge(limit)));
      stream.on('end', () => {
        if (!failed) file = Buffer.concat(chunks);
      });
    });
    bb.on('error', () => fail(new EcertError('ERR_BAD_REQUEST', { en: 'malformed multipart request' })));
    bb.on('close', () => {
      if (failed) return;
      if (!file) reject(new EcertError('ERR_EMPTY_BODY', { zh: '缺少文件字段 file', en: 'no "file" field' }));
      else resolve(file);
    });
    req.pipe(bb);
  });
}

function tooLarge(limit: number): EcertError {
  return new EcertError('ERR_PAYLOAD_TOO_LARGE', {
    zh: `文件不能超过 ${Math.floor(limit / 1024 / 1024)} MB`,
    en: `at most ${limit} bytes`,
  });
}
