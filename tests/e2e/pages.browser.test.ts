import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServer } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { renderPng, tmpFile, zbar } from '../helpers/pdfTools';

/**
 * The web pages in a real browser: Debian's chromium driven by playwright-core. Screenshots
 * are written to test-artifacts/ for people to look at.
 */
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

describe('web pages in chromium', () => {
  let env: Awaited<ReturnType<typeof makeTestServer>>;
  let browser: Browser;
  let pdf: Buffer;
  let revokedToken: string;
  let holderOk: { name: string; idNumber: string; managementNo: string };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    env = await makeTestServer();
    const q = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
    const key = await env.keyFor(q.issuingBody);
    const post = (b: unknown) =>
      fetch(`${env.url}/api/v1/certificates`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(b) }).then((r) => r.json());
    const okBody = issueBody(q.code, 1);
    const ok = await post(okBody);
    holderOk = { name: okBody.holder.name, idNumber: okBody.holder.idNumber, managementNo: ok.managementNo };
    pdf = Buffer.from(await (await fetch(`${env.url}/api/v1/certificates/${ok.managementNo}/pdf`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer());
    const rev = await post(issueBody(q.code, 2));
    const revPdf = Buffer.from(await (await fetch(`${env.url}/api/v1/certificates/${rev.managementNo}/pdf`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer());
    await fetch(`${env.url}/api/v1/certificates/${rev.managementNo}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: '测试撤销 test revocation' }) });
    const [url] = zbar(renderPng(revPdf, 200));
    revokedToken = /\/v\/(.+)$/i.exec(url)![1];
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('upload a valid PDF on /verify → 通过', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.url}/verify`);
    await page.setInputFiles('#file', tmpFile('cert.pdf', pdf));
    await page.click('button[type=submit]');
    await page.waitForSelector('.verdict');
    expect(await page.textContent('.verdict .big')).toBe('通过');
    expect(await page.getAttribute('.verdict', 'data-indication')).toBe('TOTAL_PASSED');
    await page.screenshot({ path: join(ARTIFACTS, 'verify-pass.png'), fullPage: true });
    await page.close();
  });

  it('upload a tampered PDF → 失败 with the failed check explained', async () => {
    const t = Buffer.from(pdf);
    t[t.indexOf('/Producer (ecert)') + 11] = 'E'.charCodeAt(0);
    const page = await browser.newPage();
    await page.goto(`${env.url}/verify`);
    await page.setInputFiles('#file', tmpFile('tampered.pdf', t));
    await page.click('button[type=submit]');
    await page.waitForSelector('.verdict');
    expect(await page.textContent('.verdict .big')).toBe('失败');
    expect(await page.textContent('.verdict .why')).toContain('Failed check');
    await page.screenshot({ path: join(ARTIFACTS, 'verify-tampered.png'), fullPage: true });
    await page.close();
  });

  it('open /v/{token} of a revoked certificate on a phone-sized screen → 已撤销', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    await page.goto(`${env.url}/v/${revokedToken}`);
    expect(await page.textContent('.verdict .big')).toBe('已撤销');
    expect(await page.textContent('.facts')).not.toContain('测试撤销'); // the issuer's reason is not public (issue 10)
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390); // no horizontal scrolling on a phone
    await page.screenshot({ path: join(ARTIFACTS, 'v-token-revoked-phone.png'), fullPage: true });
    await page.close();
  });

  it('decode a QR screenshot on /verify in the page (jsQR) and show the verdict', async () => {
    const png = renderPng(pdf, 110);
    const page = await browser.newPage();
    await page.goto(`${env.url}/verify`);
    await page.setInputFiles('#file', png);
    await Promise.all([page.waitForURL(/\/v\//i), page.click('button[type=submit]')]);
    // a QR verdict vouches for the QR code and the registry only (issue 11)
    expect(await page.textContent('.verdict .big')).toBe('二维码真实');
    expect(await page.getAttribute('.verdict', 'data-indication')).toBe('TOTAL_PASSED');
    await page.screenshot({ path: join(ARTIFACTS, 'verify-qr-image.png'), fullPage: true });
    await page.close();
  });

  it('the holder page downloads the signed PDF with the right details, and refuses a wrong one', async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    await page.goto(`${env.url}/holder`);
    expect(await page.textContent('h1')).toContain('下载');
    await page.fill('#name', holderOk.name);
    await page.fill('#idNumber', holderOk.idNumber);
    await page.fill('#managementNo', holderOk.managementNo);
    await page.screenshot({ path: join(ARTIFACTS, 'holder.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[type=submit]')]);
    const path = await download.path();
    expect(readFileSync(path).equals(pdf)).toBe(true);
    await page.goto(`${env.url}/holder`);
    await page.fill('#name', '别人');
    await page.fill('#idNumber', holderOk.idNumber);
    await page.fill('#managementNo', holderOk.managementNo);
    await page.click('button[type=submit]');
    await page.waitForSelector('.verdict.fail');
    expect(await page.textContent('.verdict')).toContain('未找到匹配的证书');
    await page.screenshot({ path: join(ARTIFACTS, 'holder-miss.png'), fullPage: true });
    await page.close();
  });
});
