import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServices, type TestEnv } from '../helpers/testServices';
import { FULL_ID_NUMBER, issueBody } from '../helpers/holders';
import { tmpFile } from '../helpers/pdfTools';
import { validateIssueRequest } from '../../src/issue/validateIssueRequest';
import { buildCertificateDocument } from '../../src/issue/buildCertificateDocument';
import { FontSet } from '../../src/render/fonts/FontSet';

/** Issue #2: the two official layouts, checked with poppler as a reader would see them. */
let env: TestEnv;
beforeAll(async () => {
  env = await makeTestServices();
});
afterAll(() => env?.close());

async function render(code: string, over: Record<string, unknown> = {}, i = 1) {
  const q = env.s.catalog.get(code);
  const body = issueBody(code, i, { ...(q.specialties?.length ? { specialty: q.specialties[i % q.specialties.length].name } : {}), ...over });
  const req = validateIssueRequest(body, { catalog: env.s.catalog, now: env.s.clock() });
  const doc = await buildCertificateDocument(req, { managementNo: `2025${String(q.serial).padStart(3, '0')}${String(i).padStart(7, '0')}5`, version: 1, signingTime: new Date() }, env.s);
  return { ...doc, req };
}

const squash = (s: string) => s.replace(/\s+/g, '');
const text = (pdf: Buffer) => execFileSync('pdftotext', [tmpFile('c.pdf', pdf), '-'], { encoding: 'utf8' });

describe('certificate rendering', () => {
  it('prints every catalog entry with its exact wording, the seven labels and the dates as the notice does', async () => {
    for (const q of env.s.catalog.list()) {
      const { pdf, req } = await render(q.code);
      const t = squash(text(pdf));
      for (const s of ['中华人民共和国', '专业技术人员职业资格证书', '(电子证书)', '姓名：', '证件号码：', '性别：', '出生年月：', '批准日期：', '管理号：', '制发日期：']) {
        expect(t, `${q.code}: ${s}`).toContain(s);
      }
      expect(t).toContain(squash(q.title));
      expect(t).toContain(squash(q.titleEn));
      const departments = env.s.catalog.departmentsFor(q.code, req.specialty).join('、');
      const paragraph =
        q.style === 1
          ? `本证书由中华人民共和国${departments}批准颁发，表明持证人通过国家统一组织的考试，取得${q.title}。`
          : `本证书由中华人民共和国${departments}监制，${env.s.catalog.body(q.issuingBody).name}颁发，表明持证人通过国家统一组织的考试，具有${q.competence}的职业水平和能力。`;
      expect(t, q.code).toContain(paragraph);
      expect(t).toContain('2025年06月30日');
      expect(t).toContain('2025年08月15日');
      expect(t).toContain(`${req.holder.birth.slice(0, 4)}年${req.holder.birth.slice(5)}月`);
    }
  }, 120_000);

  it('names exactly the departments of the holder’s specialty', async () => {
    const q = env.s.catalog.list().find((x) => (x.specialties?.length ?? 0) >= 3)!;
    const seen = new Set<string>();
    for (const sp of q.specialties!) {
      const { pdf } = await render(q.code, { specialty: sp.name });
      const t = squash(text(pdf));
      const deps = env.s.catalog.departmentsFor(q.code, sp.name);
      expect(t).toContain(`本证书由中华人民共和国${deps.join('、')}批准颁发`);
      seen.add(deps.join('、'));
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('names its largest cached stream as the part the registry stores once: the same bytes for two holders, a whole FlateDecode stream payload', async () => {
    const code = env.s.catalog.list()[0].code;
    const a = await render(code, { holder: { ...issueBody(code, 1).holder, name: '张伟' } }, 1);
    const b = await render(code, { holder: { ...issueBody(code, 2).holder, name: '欧阳明月' } }, 2);
    expect(a.pdf.equals(b.pdf)).toBe(false);
    const span = (d: typeof a) => d.pdf.subarray(d.sharedPart!.offset, d.sharedPart!.offset + d.sharedPart!.length);
    expect(a.sharedPart!.length).toBeGreaterThan(10_000);
    expect(span(a).equals(span(b))).toBe(true);
    expect(a.sharedPart!.sha256).toBe(createHash('sha256').update(span(a)).digest('hex'));
    // exactly a stream's data (ISO 32000-1 §7.3.8): its /Length before, `endstream` after, and it inflates
    const before = a.pdf.subarray(Math.max(0, a.sharedPart!.offset - 200), a.sharedPart!.offset).toString('latin1');
    expect(before).toMatch(new RegExp(`/Length ${a.sharedPart!.length}\\b[^]*>>\nstream\n$`));
    expect(a.pdf.subarray(a.sharedPart!.offset + a.sharedPart!.length).toString('latin1', 0, 10)).toBe('\nendstream');
    expect(inflateSync(span(a)).length).toBeGreaterThan(a.sharedPart!.length);
  });

  it('embeds one subset CID TrueType font with a ToUnicode map; poppler reports no font error', async () => {
    const { pdf } = await render(env.s.catalog.list()[0].code);
    const path = tmpFile('c.pdf', pdf);
    const fonts = spawnSync('pdffonts', [path], { encoding: 'utf8' });
    expect(fonts.stderr).toBe('');
    const rows = fonts.stdout.trim().split('\n').slice(2);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const row of rows) expect(row).toMatch(/CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
    const draw = spawnSync('pdftoppm', ['-r', '50', '-png', path, path + '-p'], { encoding: 'utf8' });
    expect(draw.stderr).toBe('');
    expect(draw.status).toBe(0);
  });

  it('keeps every line of text inside the page and no two lines overlapping', async () => {
    for (const code of [env.s.catalog.list().find((q) => q.style === 1)!.code, env.s.catalog.list().find((q) => q.style === 2)!.code]) {
      const { pdf } = await render(code, { holder: { ...issueBody(code, 3).holder, name: '阿依古丽·买买提明' } });
      const html = execFileSync('pdftotext', ['-bbox-layout', tmpFile('c.pdf', pdf), '-'], { encoding: 'utf8' });
      const page = /<page width="([\d.]+)" height="([\d.]+)"/.exec(html)!;
      const [W, H] = [Number(page[1]), Number(page[2])];
      // the seal's own text (the widget appearance) lies over the issue date by design: judge the page text
      const rect = /\/FT \/Sig [^]*?\/Rect \[([\d. ]+)\]/.exec(pdf.toString('latin1'))![1].split(' ').map(Number);
      const inSeal = ([x0, y0, x1, y1]: number[]) => (x0 + x1) / 2 > rect[0] && (x0 + x1) / 2 < rect[2] && H - (y0 + y1) / 2 > rect[1] && H - (y0 + y1) / 2 < rect[3];
      const all = [...html.matchAll(/<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">/g)].map((m) => m.slice(1, 5).map(Number));
      const lines = all.filter((l) => !inSeal(l));
      expect(all.length - lines.length).toBeGreaterThan(0); // the seal text is there
      expect(lines.length).toBeGreaterThan(15);
      for (const [x0, y0, x1, y1] of lines) {
        expect(x0).toBeGreaterThanOrEqual(30);
        expect(y0).toBeGreaterThanOrEqual(30);
        expect(x1).toBeLessThanOrEqual(W - 30);
        expect(y1).toBeLessThanOrEqual(H - 30);
      }
      for (let i = 0; i < lines.length; i++) {
        for (let j = i + 1; j < lines.length; j++) {
          const [a, b] = [lines[i], lines[j]];
          const overlap = Math.min(a[2], b[2]) - Math.max(a[0], b[0]) > 1 && Math.min(a[3], b[3]) - Math.max(a[1], b[1]) > 1;
          expect(overlap, `${code}: lines ${a} and ${b} overlap`).toBe(false);
        }
      }
    }
  });

  it('renders names with rare characters (CJK Extension A and B) when the fallback fonts exist, else refuses them by name', async () => {
    const code = env.s.catalog.list()[0].code;
    const rare = ['王㛃', '刘䶮', '李𠇔'];
    const fonts = FontSet.load();
    for (const name of rare) {
      const missing = fonts.missing(name);
      if (missing.length === 0) {
        const { pdf } = await render(code, { holder: { ...issueBody(code, 4).holder, name } });
        expect(squash(text(pdf))).toContain(name);
      } else {
        await expect(render(code, { holder: { ...issueBody(code, 4).holder, name } })).rejects.toMatchObject({ code: 'ERR_GLYPH_MISSING' });
      }
    }
    if (process.env.CI) expect(rare.flatMap((n) => fonts.missing(n))).toEqual([]); // CI installs fonts-hanazono
  });

  it('keeps a signed certificate under 40 KB and carries its data as an embedded JSON file', async () => {
    const { pdf, data } = await render(env.s.catalog.list()[5].code);
    expect(pdf.length).toBeLessThanOrEqual(40 * 1024);
    const path = tmpFile('c.pdf', pdf);
    const list = execFileSync('pdfdetach', ['-list', path], { encoding: 'utf8' });
    expect(list).toContain('ecert-certificate.json');
    execFileSync('pdfdetach', ['-save', '1', '-o', path + '.json', path]);
    const json = JSON.parse(execFileSync('cat', [path + '.json'], { encoding: 'utf8' }));
    expect(json).toMatchObject({ format: 'ecert-certificate/1', managementNo: data.managementNo, idNumberMasked: data.idNumberMasked });
    expect(JSON.stringify(json)).not.toMatch(FULL_ID_NUMBER);
  });
});
