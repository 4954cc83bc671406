import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PdfWriter, num, pdfDate, pdfTextString } from '../../../src/render/pdf/PdfWriter';

describe('PdfWriter', () => {
  it('writes a file that qpdf --check accepts, with exact xref offsets', () => {
    const w = new PdfWriter();
    const catalog = w.reserve();
    const pages = w.reserve();
    const page = w.reserve();
    const content = w.stream('', '0 0 1 rg 10 10 100 100 re f\n'.repeat(20));
    w.set(page, `<< /Type /Page /Parent ${pages} 0 R /MediaBox [0 0 200 200] /Contents ${content} 0 R >>`);
    w.set(pages, `<< /Type /Pages /Kids [${page} 0 R] /Count 1 >>`);
    w.set(catalog, `<< /Type /Catalog /Pages ${pages} 0 R >>`);
    const dir = mkdtempSync(join(tmpdir(), 'ecert-pdfw-'));
    // in number order, and with one object (the signer's dictionary, renderCertificate.ts) written last
    for (const last of [undefined, catalog, pages]) {
      const { bytes, bodyOffsets } = w.finish({ root: catalog, id: Buffer.alloc(16, 7) }, { last });
      expect(bytes.subarray(bodyOffsets[catalog], bodyOffsets[catalog] + 16).toString('latin1')).toBe('<< /Type /Catalo');
      if (last) expect(Math.max(...bodyOffsets)).toBe(bodyOffsets[last]);
      writeFileSync(join(dir, 'a.pdf'), bytes);
      const out = execFileSync('qpdf', ['--check', join(dir, 'a.pdf')], { encoding: 'utf8' });
      expect(out).toContain('No syntax or stream encoding errors found');
    }
    expect(() => w.finish({ root: catalog, id: Buffer.alloc(16, 7) }, { last: 99 })).toThrow(RangeError);
  });

  it('deflates a stream of 1 KiB or more and writes a shorter one as it is', () => {
    const w = new PdfWriter();
    const short = w.stream('', 'q 1 0 0 1 0 0 cm Q\n'.repeat(40)); // 760 bytes
    const long = w.stream('', 'q 1 0 0 1 0 0 cm Q\n'.repeat(60)); // 1,140 bytes
    const { bytes, bodyOffsets } = w.finish({ root: short, id: Buffer.alloc(16) });
    const head = (n: number) => bytes.subarray(bodyOffsets[n], bodyOffsets[n] + 40).toString('latin1');
    expect(head(short)).toMatch(/^<< \/Length 760 >>/);
    expect(head(long)).toMatch(/^<< \/Filter \/FlateDecode \/Length \d+ >>/);
  });

  it('tells where each cached (deflatedStream) payload lies in the file, and nothing of the other streams', () => {
    const w = new PdfWriter();
    const cachedA = deflateSync(Buffer.alloc(5000, 'a'));
    const cachedB = deflateSync(Buffer.alloc(9000, 'b'));
    w.stream('', Buffer.alloc(3000, 'c'));
    const a = w.deflatedStream('/Length1 5000', cachedA);
    const b = w.deflatedStream('', cachedB);
    const root = w.add(`<< /Type /Catalog /Pages ${w.add('<< /Type /Pages /Kids [] /Count 0 >>')} 0 R /Refs [${a} 0 R ${b} 0 R] >>`);
    const { bytes, cachedSpans } = w.finish({ root, id: Buffer.alloc(16, 1) });
    expect(cachedSpans.map((c) => c.bytes)).toEqual([cachedA, cachedB]);
    for (const c of cachedSpans) expect(bytes.subarray(c.offset, c.offset + c.bytes.length).equals(c.bytes)).toBe(true);
  });

  it('refuses to finish with an object that was reserved and never written', () => {
    const w = new PdfWriter();
    const root = w.reserve();
    expect(() => w.finish({ root, id: Buffer.alloc(16) })).toThrow(/never written/);
  });

  it('encodes text strings as UTF-16BE with BOM, dates in UTC, numbers compactly', () => {
    expect(pdfTextString('证')).toBe('<FEFF8BC1>');
    expect(pdfDate(new Date('2025-08-15T01:02:03Z'))).toBe('D:20250815010203Z');
    expect(num(1.23456)).toBe('1.235');
    expect(num(-0.0001)).toBe('0');
  });
});
