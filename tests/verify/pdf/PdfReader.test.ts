import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PdfReader, PdfStream } from '../../../src/verify/pdf/PdfReader';
import { inspectSignatures } from '../../../src/verify/pdf/inspectSignatures';
import { PdfWriter } from '../../../src/render/pdf/PdfWriter';

/** A well-formed file with one extra object body, made with our writer (offsets exact). */
function fileWith(body: string | Buffer): Buffer {
  const w = new PdfWriter();
  const catalog = w.reserve();
  const pages = w.add('<< /Type /Pages /Kids [] /Count 0 >>');
  const extra = w.add(body);
  w.set(catalog, `<< /Type /Catalog /Pages ${pages} 0 R /Extra ${extra} 0 R >>`);
  return w.finish({ root: catalog, id: Buffer.alloc(16) }).bytes;
}

const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'OK';
  } catch (e) {
    return (e as { code?: string }).code ?? `threw ${(e as Error).message}`;
  }
};
const readExtra = (bytes: Buffer) => () => {
  const r = new PdfReader(bytes);
  r.readXref();
  const v = r.object(3);
  if (v instanceof PdfStream) r.streamData(v);
};

describe('PdfReader limits', () => {
  it('reads a well-formed file', () => {
    expect(codeOf(readExtra(fileWith('<< /A [1 2 (x\\)y) <414243>] /B 4 0 R >>')))).toBe('OK');
    expect(inspectSignatures(fileWith('(no signature)')).signatures).toEqual([]);
  });

  it('stops decompression bombs, deep nesting, huge arrays, duplicate keys and bad lengths with codes', () => {
    const bomb = deflateSync(Buffer.alloc(20 * 1024 * 1024));
    const cases: Array<[string, Buffer]> = [
      ['ERR_PDF_LIMIT', fileWith(Buffer.concat([Buffer.from(`<< /Length ${bomb.length} /Filter /FlateDecode >>\nstream\n`), bomb, Buffer.from('\nendstream')]))],
      ['ERR_PDF_LIMIT', fileWith('['.repeat(1000) + ']'.repeat(1000))],
      ['ERR_PDF_LIMIT', fileWith('<< /A '.repeat(500) + '>> '.repeat(500))],
      ['ERR_PDF_LIMIT', fileWith(`[${'1 '.repeat(120_000)}]`)],
      ['ERR_PDF_MALFORMED', fileWith('<< /A 1 /A 2 >>')],
      ['ERR_PDF_MALFORMED', fileWith('<< /Length 5 >>\nstream\n0123456789\nendstream')],
      ['ERR_PDF_MALFORMED', fileWith('<< /Filter /LZWDecode /Length 3 >>\nstream\nabc\nendstream')],
      ['ERR_PDF_MALFORMED', fileWith('(unterminated')],
    ];
    for (const [code, bytes] of cases) {
      const t = Date.now();
      expect(codeOf(readExtra(bytes))).toBe(code);
      expect(Date.now() - t).toBeLessThan(2000);
    }
  });

  it('refuses a /Prev loop, a truncated file and a missing header', () => {
    const good = fileWith('1');
    const s = good.toString('latin1');
    const startxref = Number(/startxref\n(\d+)/.exec(s)![1]);
    const looped = Buffer.from(s.replace('/Root 1 0 R', `/Root 1 0 R /Prev ${startxref}`), 'latin1');
    expect(codeOf(() => new PdfReader(looped).readXref())).toBe('ERR_PDF_LIMIT');
    expect(codeOf(() => new PdfReader(good.subarray(0, good.length - 30)).readXref())).toBe('ERR_PDF_MALFORMED');
    expect(codeOf(() => new PdfReader(Buffer.from('hello')))).toBe('ERR_PDF_MALFORMED');
    expect(codeOf(() => inspectSignatures(looped))).toBe('ERR_PDF_LIMIT');
  });

  it('resolves reference cycles to null instead of recursing', () => {
    const w = new PdfWriter();
    const catalog = w.reserve();
    const a = w.reserve();
    const b = w.reserve();
    w.set(a, `${b} 0 R`);
    w.set(b, `${a} 0 R`);
    w.set(catalog, `<< /Type /Catalog /Pages ${a} 0 R /AcroForm << /Fields [${b} 0 R] >> >>`);
    const bytes = w.finish({ root: catalog, id: Buffer.alloc(16) }).bytes;
    expect(codeOf(() => inspectSignatures(bytes))).toMatch(/OK|ERR_PDF_(LIMIT|MALFORMED)/);
  });
});
