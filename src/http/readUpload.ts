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
    let settled = false;
    const fail = (e: EcertError) => {
      if (settled) return;
      settled = true;
      req.removeAllListeners('data');
      req.resume();
      reject(e);
    };
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) return fail(tooLarge(limit));
      chunks.push(c);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', () => fail(aborted()));
    req.on('aborted', () => fail(aborted()));
  });
}

/**
 * The `file` part of a multipart body (RFC 7578). Every stream of the path has its `error`
 * handled: a body cut off before its closing boundary, a part without headers or a wrong
 * boundary is ERR_BAD_REQUEST, never an unhandled 'error' event that ends the process.
 */
function readMultipartFile(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: limit, files: 1, fields: 10, parts: 12, fieldSize: 4096, headerPairs: 20 } });
    } catch {
      reject(malformed());
      return;
    }
    let file: Buffer | undefined;
    let settled = false;
    const fail = (e: EcertError) => {
      if (settled) return;
      settled = true;
      req.unpipe(bb);
      req.resume();
      bb.removeAllListeners('file');
      reject(e);
    };
    bb.on('file', (name, stream) => {
      stream.on('error', () => fail(malformed()));
      if (name !== 'file' || file !== undefined) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(tooLarge(limit)));
      stream.on('end', () => {
        if (!settled) file = Buffer.concat(chunks);
      });
    });
    bb.on('error', () => fail(malformed()));
    bb.on('partsLimit', () => fail(malformed()));
    bb.on('filesLimit', () => fail(malformed()));
    bb.on('fieldsLimit', () => fail(malformed()));
    bb.on('close', () => {
      if (settled) return;
      settled = true;
      if (!file) reject(new EcertError('ERR_EMPTY_BODY', { zh: '缺少文件字段 file', en: 'no "file" field' }));
      else resolve(file);
    });
    req.on('error', () => fail(aborted()));
    req.on('aborted', () => fail(aborted()));
    req.pipe(bb);
  });
}

function malformed(): EcertError {
  return new EcertError('ERR_BAD_REQUEST', { zh: 'multipart 请求格式错误或不完整', en: 'malformed or incomplete multipart request' });
}

function aborted(): EcertError {
  return new EcertError('ERR_BAD_REQUEST', { zh: '上传中断', en: 'upload aborted' });
}

function tooLarge(limit: number): EcertError {
  return new EcertError('ERR_PAYLOAD_TOO_LARGE', {
    zh: `文件不能超过 ${Math.floor(limit / 1024 / 1024)} MB`,
    en: `at most ${limit} bytes`,
  });
}
