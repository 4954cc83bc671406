import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServer } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { renderPng, zbar } from '../helpers/pdfTools';
import { qrClaimsOf, signJwsQrToken } from '../../src/qr/qrToken';
import { certificateDataOf } from '../../src/verify/copies/verifyLinkOfRecord';

/**
 * Verdicts people can act on (issue 11), over HTTP on a real server: what was checked
 * (evidence), QR verdicts that never vouch for the paper, superseded versions, QR images on
 * POST /api/v1/verify, the directory, links.verify and the 管理号 look-up.
 */
let env: Awaited<ReturnType<typeof makeTestServer>>;
let key: string;
let q: string;
let no: string;
let v1Pdf: Buffer;
let v1Token: string;
let v2Pdf: Buffer;
let issued: { links: { verify: string } };
const VOUCHES_FOR_PAPER = /未被修改|unaltered|内容未|not (been )?altered/i;

const api = (path: string, init: RequestInit = {}) => fetch(`${env.url}${path}`, init);
const auth = () => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const tokenOfPdf = (pdf: Buffer) => /\/v\/(\d+)$/i.exec(zbar(renderPng(pdf, 150))[0])![1];

beforeAll(async () => {
  env = await makeTestServer();
  const entry = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
  q = entry.code;
  key = await env.keyFor(entry.issuingBody);
  const body = issueBody(q, 7);
  issued = await (await api('/api/v1/certificates', { method: 'POST', headers: auth(), body: JSON.stringify(body) })).json();
  no = (issued as unknown as { managementNo: string }).managementNo;
  v1Pdf = Buffer.from(await (await api(`/api/v1/certificates/${no}/pdf`, { headers: auth() })).arrayBuffer());
  v1Token = tokenOfPdf(v1Pdf);
  // a corrected name: version 2 supersedes version 1
  const corrected = { ...body, holder: { ...body.holder, name: '更正后' }, reason: '姓名更正 name corrected' };
  const re = await api(`/api/v1/certificates/${no}/reissue`, { method: 'POST', headers: auth(), body: JSON.stringify(corrected) });
  expect(re.status).toBeLessThan(300);
  v2Pdf = Buffer.from(await (await api(`/api/v1/certificates/${no}/pdf`, { headers: auth() })).arrayBuffer());
});
afterAll(() => env?.close());

describe('evidence and QR verdicts', () => {
  it('a PDF report says evidence pdf and carries the file SHA-256; a token report says evidence qr and never vouches for the paper', async () => {
    const pdfReport = await (await api('/api/v1/verify', { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: new Uint8Array(v2Pdf) })).json();
    expect(pdfReport).toMatchObject({ evidence: 'pdf', indication: 'TOTAL_PASSED', documentSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const token = tokenOfPdf(v2Pdf);
    const r = await (await api(`/api/v1/verify/token/${token}`)).json();
    expect(r).toMatchObject({ evidence: 'qr', indication: 'TOTAL_PASSED', certificate: { managementNo: no, holderName: '更正后', sex: expect.any(String), birth: expect.stringMatching(/^\d{4}-\d{2}$/) } });
    expect(r.message.zh + r.message.en).not.toMatch(VOUCHES_FOR_PAPER);
    expect(r.message.zh).toContain('二维码真实');
    expect(r.message.zh).toContain('核对');
    expect(r.message.en).toMatch(/compare/i);
  });

  it('the /v/ page lists every printed fact in the certificate’s order and asks to compare; no "unaltered"', async () => {
    const html = await (await api(`/v/${tokenOfPdf(v2Pdf)}`)).text();
    const facts = html.slice(html.indexOf('data-facts'));
    const order = ['姓名', '证件号码', '性别', '出生年月', '职业资格', '批准日期', '管理号', '制发日期', '发证机构', '状态'].map((l) => facts.indexOf(`<dt>${l}`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('逐项核对');
    expect(html).not.toMatch(VOUCHES_FOR_PAPER);
    expect(html).toContain('data-evidence="qr"');
    expect(html).toContain('查验时间');
    // the QR prints the URL in upper case (alphanumeric mode): /V/ opens the same page
    expect(await (await api(`/V/${tokenOfPdf(v2Pdf)}`)).text()).toContain('data-evidence="qr"');
  });

  it('POST /api/v1/verify takes a PNG or JPEG photo of the QR code and returns the token report', async () => {
    const png = readFileSync(renderPng(v2Pdf, 150));
    const jpeg = await sharp(png).jpeg({ quality: 70 }).toBuffer();
    for (const [type, body] of [['image/png', png], ['image/jpeg', jpeg]] as const) {
      const res = await api('/api/v1/verify', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(body) });
      expect(res.status, type).toBe(200);
      expect(await res.json()).toMatchObject({ evidence: 'qr', indication: 'TOTAL_PASSED', certificate: { managementNo: no } });
    }
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'qr.png');
    expect(await (await api('/api/v1/verify', { method: 'POST', body: form })).json()).toMatchObject({ evidence: 'qr' });
    const blank = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#fff' } }).png().toBuffer();
    const miss = await api('/api/v1/verify', { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(blank) });
    expect(miss.status).toBe(422);
    expect((await miss.json()).error.code).toBe('ERR_QR_NOT_FOUND');
    const junk = await api('/api/v1/verify', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'hello world, not a file type' });
    expect(junk.status).toBe(400);
    expect((await junk.json()).error.code).toBe('ERR_NOT_PDF');
  });

  it('a JWS token of a certificate issued before the compact form still verifies', async () => {
    const record = (await env.s.registry.getCertificate(no))!;
    const jws = await signJwsQrToken(qrClaimsOf(certificateDataOf(record, env.s.catalog)), env.s.keys.qrKey);
    expect(jws.split('.')).toHaveLength(3);
    expect(await (await api(`/api/v1/verify/token/${jws}`)).json()).toMatchObject({ evidence: 'qr', indication: 'TOTAL_PASSED' });
  });
});

describe('superseded versions', () => {
  it('the earlier PDF: SUPERSEDED with currentVersion, its date and the corrected field names; never forged', async () => {
    const r = await (await api('/api/v1/verify', { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: new Uint8Array(v1Pdf) })).json();
    expect(r).toMatchObject({ evidence: 'pdf', subIndication: 'SUPERSEDED', certificate: { managementNo: no, version: 1, currentVersion: 2, status: 'superseded', changedFields: ['holderName'] } });
    expect(r.message.zh).toContain('第 2 版');
    expect(r.message.zh).toContain('姓名');
    expect(r.message.zh).toContain('请向持证人索取最新版本');
    expect(r.message.en).toMatch(/valid in version 2/);
    expect(r.message.zh + r.message.en).not.toMatch(/伪造|篡改|forged|tamper/i);
  });

  it('the earlier QR code: SUPERSEDED the same way; the page is amber, not the failure colour', async () => {
    const r = await (await api(`/api/v1/verify/token/${v1Token}`)).json();
    expect(r).toMatchObject({ evidence: 'qr', subIndication: 'SUPERSEDED', certificate: { currentVersion: 2, changedFields: expect.arrayContaining(['holderName']) } });
    const html = await (await api(`/v/${v1Token}`)).text();
    expect(html).toContain('class="verdict superseded"');
    expect(html).toContain('已在第 2 版更正');
    const css = await (await api('/assets/app.css')).text();
    const colour = (name: string) => new RegExp(`--${name}: (#[0-9a-f]{6})`).exec(css)![1];
    expect(new Set([colour('red'), colour('fail'), colour('superseded')]).size).toBe(3);
  });
});

describe('directory, links.verify and the 管理号 look-up', () => {
  it('GET /api/v1/directory answers in, former name, fake; bad query is a 400', async () => {
    expect(await (await api(`/api/v1/directory?q=${encodeURIComponent('一级建造师')}`)).json()).toMatchObject({ query: '一级建造师', inDirectory: true, matches: [{ name: '建造师', category: 'professional-access', eCertificate: true }] });
    expect(await (await api(`/api/v1/directory?q=${encodeURIComponent('专利代理人')}`)).json()).toMatchObject({ inDirectory: true, answer: 'former-name', matches: [{ name: '专利代理师' }] });
    expect(await (await api(`/api/v1/directory?q=${encodeURIComponent('锅炉工程师')}`)).json()).toMatchObject({ inDirectory: false, answer: 'named-fake' });
    const bad = await api('/api/v1/directory');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('ERR_DIRECTORY_QUERY');
    const page = await (await api(`/verify?q=${encodeURIComponent('设备点检师')}`)).text();
    expect(page).toContain('data-directory-answer="named-fake"');
  });

  it('links.verify of the issue response opens the page of that certificate', async () => {
    expect(issued.links.verify).toMatch(new RegExp(`^${env.url}/v/\\d+$`));
    const html = await (await api(issued.links.verify.slice(env.url.length))).text();
    expect(html).toContain(no);
    expect(html).toContain('data-evidence="qr"');
  });

  it('管理号 + name lead to the QR check of that certificate; a wrong name gets the generic miss', async () => {
    const ok = await api('/verify/lookup', { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ managementNo: no, name: '更正后' }) });
    expect(ok.status).toBe(303);
    const page = await (await api(ok.headers.get('location')!)).text();
    expect(page).toContain('data-indication="TOTAL_PASSED"');
    const miss = await api('/verify/lookup', { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ managementNo: no, name: '别人' }) });
    expect(miss.status).toBe(404);
    expect(await miss.text()).toContain('未找到匹配的证书');
  });
});
