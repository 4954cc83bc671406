import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, ecert } from './cliHarness';
import { makeTestServices, type TestEnv } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { renderPng, tmpFile, zbar } from '../helpers/pdfTools';
import { buildCertificateDocument } from '../../src/issue/buildCertificateDocument';
import { validateIssueRequest } from '../../src/issue/validateIssueRequest';
import { formatManagementNo, isSampleManagementNo } from '../../src/registry/managementNumber';
import { tokenFromText } from '../../src/qr/tokenFromText';
import { verifyPdf } from '../../src/verify/verifyPdf';
import { verifyToken } from '../../src/verify/verifyToken';
import { parseEmbeddedData } from '../../src/verify/embeddedData';
import { inspectSignatures } from '../../src/verify/pdf/inspectSignatures';
import { EMBEDDED_DATA_NAME } from '../../src/sign/pdfConstants';

/**
 * Issue 12 ("Samples cannot pass for certificates"): what `ecert samples` writes is marked on
 * the page (read back by mutool and by pixels of pdftoppm's rendering), still validly sealed
 * (pdfsig), marked in its data and QR token, numbered in the sample range, and reported as a
 * sample by the verifier for the file and for the scanned QR code.
 */
let env: TestEnv;
let out: string;
let files: string[];
let stdout: string;

beforeAll(async () => {
  const cli = await cliEnv();
  out = join(cli.ECERT_DATA_DIR, 'samples');
  const r = ecert(['samples', '--out', out], cli);
  expect(r.code, r.stderr).toBe(0);
  stdout = r.stdout;
  files = readdirSync(out).filter((f) => f.endsWith('.pdf')).sort();
  // the same test keys (cached per process) as the CLI used, a registry of its own
  env = await makeTestServices();
});
afterAll(() => env?.close());

const read = (f: string) => readFileSync(join(out, f));
/** Text of page 1 as MuPDF extracts it from the page content (annotations are not text). */
const mutoolText = (pdf: Buffer) => execFileSync('mutool', ['draw', '-F', 'txt', '-o', '-', tmpFile('s.pdf', pdf), '1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

/** Share of page pixels in the watermark's light vermilion (ink of the certificate text is dark; the seal is saturated). */
function watermarkShare(pdf: Buffer): number {
  const path = tmpFile('p.pdf', pdf);
  execFileSync('pdftoppm', ['-r', '40', '-singlefile', path, path.replace(/\.pdf$/, '')]);
  const ppm = readFileSync(path.replace(/\.pdf$/, '.ppm'));
  // binary PPM (P6): header "P6\n<w> <h>\n255\n", then RGB triples
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 32).toString('latin1'))!;
  const px = ppm.subarray(m[0].length);
  let hits = 0;
  const n = Number(m[1]) * Number(m[2]);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [px[3 * i], px[3 * i + 1], px[3 * i + 2]];
    if (r > 200 && g > 120 && r - g > 30 && r - b > 30) hits++;
  }
  return hits / n;
}

describe('ecert samples (issue 12)', () => {
  it('writes one sample per catalog entry, each numbered in the sample range and marked in its embedded data', () => {
    expect(files).toHaveLength(env.s.catalog.list().length);
    expect(stdout).toContain('样本 SAMPLE');
    for (const f of files) {
      const data = parseEmbeddedData(inspectSignatures(read(f)).embeddedFiles.get(EMBEDDED_DATA_NAME));
      expect(data, f).toMatchObject({ sample: true });
      expect(isSampleManagementNo(data!.managementNo), f).toBe(true);
    }
  });

  it('shows 样本 SAMPLE in the page content of every sample, over the certificate, not as an annotation', () => {
    for (const f of files) expect(mutoolText(read(f)), f).toContain('样本 SAMPLE');
    // qpdf: the page's one content stream draws it semi-transparent, last; the only annotation is the seal's widget
    const path = tmpFile('s.pdf', read('tax-adviser.pdf'));
    const [, pageObj, contentObj] = /page 1: (\d+) 0 R\s+content:\s+(\d+) 0 R/.exec(execFileSync('qpdf', ['--show-pages', path], { encoding: 'utf8' }))!;
    const page = execFileSync('qpdf', [`--show-object=${pageObj}`, path], { encoding: 'utf8' });
    expect(page).toMatch(/\/Annots \[ \d+ 0 R \]/);
    const gs = /\/GSample (\d+) 0 R/.exec(page)![1];
    expect(execFileSync('qpdf', [`--show-object=${gs}`, path], { encoding: 'utf8' })).toMatch(/\/ca 0\.\d+/);
    const content = execFileSync('qpdf', [`--show-object=${contentObj}`, '--filtered-stream-data', path], { encoding: 'latin1' });
    const at = content.indexOf('/GSample gs');
    expect(at).toBeGreaterThan(0);
    // drawn last, so over everything else on the page: one rotated text block, then the closing Q's
    expect(content.slice(at).match(/BT\n/g)).toHaveLength(1);
    expect(content.slice(at)).toMatch(/ cm\nBT\n[^]*ET\nQ\nQ\s*$/);
  });

  it('covers a large area of the rendered page, where a certificate of the same qualification has none', async () => {
    const f = files.find((x) => x === 'tax-adviser.pdf')!;
    const req = validateIssueRequest(issueBody('tax-adviser', 1), { catalog: env.s.catalog, now: env.s.clock() });
    const serial = env.s.catalog.get('tax-adviser').serial;
    const certificate = await buildCertificateDocument(req, { managementNo: formatManagementNo(2025, serial, 12), version: 1, signingTime: env.s.clock() }, env.s);
    const sample = watermarkShare(read(f));
    const plain = watermarkShare(certificate.pdf);
    expect(plain).toBeLessThan(0.005);
    expect(sample).toBeGreaterThan(0.02);
    expect(sample).toBeGreaterThan(plain * 8);
  });

  it('keeps the seal valid: pdfsig finds one signature over the whole file, valid (the watermark is drawn before signing)', () => {
    for (const f of [files[0], files.at(-1)!, 'tax-adviser.pdf']) {
      const r = execFileSync('pdfsig', [tmpFile('s.pdf', read(f))], { encoding: 'utf8' });
      expect(r, f).toContain('Signature is Valid.');
      expect(r, f).toContain('Total document signed');
    }
  });

  it('is reported as a sample, never TOTAL_PASSED: the file (online and offline) and its scanned QR code', async () => {
    const deps = { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors, catalog: env.s.catalog, clock: env.s.clock };
    for (const f of files) {
      const r = await verifyPdf(read(f), { ...deps, registry: env.s.registry });
      expect(r, f).toMatchObject({ evidence: 'pdf', indication: 'TOTAL_FAILED', subIndication: 'SAMPLE' });
      // every check before the verdict passed: a genuine seal, and still no certificate
      expect(r.checks.filter((c) => !c.passed).map((c) => c.id), f).toEqual(['not-a-sample']);
      expect(r.message.zh).toContain('样本');
      expect(r.message.zh).toContain('不是证书');
      expect(r.message.en).toContain('not a certificate');
      expect((await verifyPdf(read(f), deps)).subIndication, f).toBe('SAMPLE');
    }
    for (const f of ['tax-adviser.pdf', files[0]]) {
      const [text] = zbar(renderPng(read(f), 150));
      const token = tokenFromText(text);
      expect(token, f).toBeDefined();
      const r = await verifyToken(token!, { jwks: env.s.keys.jwks(), catalog: env.s.catalog, registry: env.s.registry, clock: env.s.clock });
      expect(r, f).toMatchObject({ evidence: 'qr', indication: 'TOTAL_FAILED', subIndication: 'SAMPLE' });
      expect(r.checks.find((c) => c.id === 'not-a-sample')?.detail).toMatch(/marked as a sample; .*sample range/);
      expect(r.message.en).toContain('not a certificate');
    }
  });

  it('ecert verify exits 1 with the sample message', async () => {
    const cli = await cliEnv();
    const r = ecert(['verify', join(out, 'tax-adviser.pdf')], cli);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('SAMPLE');
    expect(r.stdout).toContain('这是样本');
  });
});
