import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../../src/catalog/loadCatalog';
import { generateKeyMaterial, loadKeyStore } from '../../../src/keys';
import { buildCertificateDocument } from '../../../src/issue/buildCertificateDocument';
import { validateIssueRequest } from '../../../src/issue/validateIssueRequest';
import { prepareSealImage } from '../../../src/render/artwork/sealImage';
import { verifyPdf } from '../../../src/verify/verifyPdf';
import { issueBody } from '../../helpers/holders';
import { tmpFile } from '../../helpers/pdfTools';


// many child processes (the CLI through tsx) and real tools: generous on a loaded machine
vi.setConfig({ testTimeout: 240_000 });
/**
 * Issue 13: the body's registered seal image as the signature widget. Fixtures are made
 * here: an SVG seal drawn with shapes only (ring, star, two bars, in a blue that the drawn
 * seal never uses, so the rendered page tells which appearance it has) and PNGs made from
 * it with sharp.
 */
const BLUE = [20, 60, 200];
const svg = (background = '') =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400">${background}` +
      `<circle cx="200" cy="200" r="185" fill="none" stroke="rgb(${BLUE})" stroke-width="18"/>` +
      `<polygon fill="rgb(${BLUE})" points="200,90 226,170 310,170 242,220 268,300 200,250 132,300 158,220 90,170 174,170"/>` +
      `<rect x="110" y="310" width="180" height="22" fill="rgb(${BLUE})"/></svg>`,
  );

const catalog = loadCatalog();
const seals = catalog.seals.map((s) => ({ id: s.id, name: s.fullName, bodyName: catalog.body(s.bodyCode).name }));
const cli = (args: string[], env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [join(import.meta.dirname, '../../../bin/ecert.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

/** Share of the seal's square in the rendered page that is the fixture's blue, and the drawn seal's red. */
async function sealColours(pdf: Buffer, dpi: number): Promise<{ blue: number; red: number; png: string }> {
  const m = /\/Rect \[([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)\]/.exec(pdf.toString('latin1'))!;
  const [x0, y0, x1, y1] = m.slice(1).map(Number);
  const path = tmpFile('seal.pdf', pdf);
  const out = path.replace(/\.pdf$/, `-${dpi}`);
  const k = dpi / 72;
  execFileSync('pdftoppm', ['-png', '-r', String(dpi), '-singlefile', '-x', String(Math.round(x0 * k)), '-y', String(Math.round((842 - y1) * k)), '-W', String(Math.round((x1 - x0) * k)), '-H', String(Math.round((y1 - y0) * k)), path, out]);
  const { data, info } = await sharp(`${out}.png`).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let blue = 0;
  let red = 0;
  for (let i = 0; i < data.length; i += 3) {
    const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
    if (b > 150 && r < 120) blue++;
    if (r > 180 && g < 90 && b < 90) red++;
  }
  const n = info.width * info.height;
  return { blue: blue / n, red: red / n, png: `${out}.png` };
}

describe('seal image', () => {
  let keysDir: string;
  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'ecert-sealimg-'));
    await generateKeyMaterial({ dir: keysDir, alg: 'ecdsa', seals, now: new Date() });
  });

  it('refuses what cannot be a seal image, each with a clear ERR_SEAL_IMAGE message', async () => {
    const reject = async (bytes: Buffer, text: RegExp) => {
      const e = await prepareSealImage(bytes).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'ERR_SEAL_IMAGE', status: 400 });
      expect((e as { bilingual: { en: string } }).bilingual.en).toMatch(text);
    };
    await reject(Buffer.from('GIF89a...'), /only SVG \(preferred\) or PNG/);
    await reject(await sharp(svg()).jpeg().toBuffer(), /only SVG/);
    await reject(svg(`<rect width="400" height="400" fill="white"/>`), /background must be transparent/);
    await reject(Buffer.from(svg().toString().replace('<rect', '<image href="http://example.com/x.png"/><rect')), /external references/);
    await reject(await sharp(svg(), { density: 72 }).resize(200, 200).png().toBuffer(), /at least 450×450 px/);
    await reject(await sharp(svg(), { density: 144 }).flatten({ background: '#ffffff' }).png().toBuffer(), /alpha channel/);
    await reject(await sharp(svg(), { density: 144 }).resize(800, 500, { fit: 'fill' }).png().toBuffer(), /about square/);
    await reject(Buffer.alloc(3 * 1024 * 1024, 1), /larger than 2 MB/);
    // a PNG with an alpha channel but an opaque background
    await reject(await sharp(svg(`<rect width="400" height="400" fill="rgb(250,250,250)"/>`), { density: 144 }).ensureAlpha().png().toBuffer(), /background must be transparent/);
  });

  it.each(['svg', 'png'] as const)('`ecert seals set-image` (%s) becomes the widget appearance; the signature stays valid', async (kind) => {
    const dir = mkdtempSync(join(tmpdir(), 'ecert-sealimg-f-'));
    const file = join(dir, `seal.${kind}`);
    writeFileSync(file, kind === 'svg' ? svg() : await sharp(svg(), { density: 144 }).png().toBuffer());
    const env = { ECERT_KEYS_DIR: keysDir };
    const q = catalog.list().find((x) => x.style === 2 && !x.specialties?.length)!;
    const store = loadKeyStore(keysDir);
    const issue = async () => {
      const req = validateIssueRequest(issueBody(q.code, 1), { catalog, now: new Date() });
      return (await buildCertificateDocument(req, { managementNo: `2025${String(q.serial).padStart(3, '0')}00000011`, version: 1, signingTime: new Date() }, { catalog, keys: store, publicUrl: 'http://x' })).pdf;
    };
    expect(cli(['seals', 'clear-image', '--seal', q.sealId], env).status).toBe(0);
    const drawn = await sealColours(await issue(), 100);
    expect(drawn.blue).toBe(0);
    expect(drawn.red).toBeGreaterThan(0.05);

    const r = cli(['seals', 'set-image', '--seal', q.sealId, file], env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${kind.toUpperCase()} image set`);
    const pdf = await issue(); // the same store: the new image is picked up without reloading
    for (const dpi of [100, 300]) {
      const c = await sealColours(pdf, dpi);
      expect(c.blue).toBeGreaterThan(0.08);
      expect(c.red).toBeLessThan(0.002);
    }
    const list = execFileSync('pdfimages', ['-list', tmpFile('x.pdf', pdf)], { encoding: 'utf8' });
    expect(list).toMatch(/image\s+1024\s+1024\s+rgb|image\s+800\s+800\s+rgb/);
    expect(list).toMatch(/smask/);
    expect(spawnSync('pdfsig', [tmpFile('s.pdf', pdf)], { encoding: 'utf8' }).stdout).toContain('Signature is Valid');
    const v = await verifyPdf(pdf, { trustAnchors: store.trustAnchors, catalog, clock: () => new Date() });
    expect(v.checks.filter((x) => !x.passed).map((x) => x.id)).toEqual(['registry-record']); // offline: all but the registry
    expect(cli(['seals', 'set-image', '--seal', 'no-such-seal', file], env).stderr).toContain('ERR_SEAL_UNKNOWN');
    expect(cli(['seals', 'set-image', '--seal', q.sealId, join(dir, 'missing.svg')], env).stderr).toContain('ERR_SEAL_IMAGE');
    expect(readFileSync(file).length).toBeGreaterThan(0);
  });
});
