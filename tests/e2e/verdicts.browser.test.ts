import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServer } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { renderPng, tmpFile, zbar } from '../helpers/pdfTools';

/**
 * Issue 11 in Debian's chromium (playwright-core): the pages fit a 390-px phone without
 * horizontal scrolling and never break a 管理号 or ID number; a superseded version is amber
 * (neither the failure nor the brand colour); a QR photo gives the QR verdict that asks to
 * compare; the directory look-up answers. Screenshots go to test-artifacts/.
 */
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
let env: Awaited<ReturnType<typeof makeTestServer>>;
let browser: Browser;
let no: string;
let v1Token: string;
let v2Token: string;
let v2Pdf: Buffer;

const tokenOfPdf = (pdf: Buffer) => /\/v\/(\d+)$/i.exec(zbar(renderPng(pdf, 150))[0])![1];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  env = await makeTestServer();
  const entry = env.s.catalog.list().find((x) => x.style === 2)!;
  const key = await env.keyFor(entry.issuingBody);
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const body = issueBody(entry.code, 11);
  body.holder.name = '阿卜杜热合曼·买买提明';
  no = (await (await fetch(`${env.url}/api/v1/certificates`, { method: 'POST', headers, body: JSON.stringify(body) })).json()).managementNo;
  const pdfOf = async () => Buffer.from(await (await fetch(`${env.url}/api/v1/certificates/${no}/pdf`, { headers })).arrayBuffer());
  v1Token = tokenOfPdf(await pdfOf());
  await fetch(`${env.url}/api/v1/certificates/${no}/reissue`, { method: 'POST', headers, body: JSON.stringify({ ...body, holder: { ...body.holder, name: '阿卜杜热合曼·买买提' }, reason: '姓名更正 name corrected' }) });
  v2Pdf = await pdfOf();
  v2Token = tokenOfPdf(v2Pdf);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

async function phone(): Promise<Page> {
  return browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
}

/** No horizontal scrolling, and every number of the page on one line (its box one line high). */
async function expectFitsPhone(page: Page, name: string) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(390);
  const broken = await page.evaluate(() =>
    Array.from(document.querySelectorAll('.num')).filter((el) => el.getClientRects().length > 1 || (el as HTMLElement).offsetHeight > parseFloat(getComputedStyle(el).lineHeight || '24') * 1.5).map((el) => el.textContent),
  );
  expect(broken, name).toEqual([]);
  await page.screenshot({ path: join(ARTIFACTS, `issue11-${name}.png`), fullPage: true });
}

describe('issue 11 pages in chromium', () => {
  it('/verify, /v/{token} and /holder fit a 390-px phone; numbers never break', async () => {
    const page = await phone();
    for (const [name, path] of [['verify', '/verify'], ['v-token', `/v/${v2Token}`], ['v-superseded', `/v/${v1Token}`], ['holder', '/holder'], ['verify-directory', `/verify?q=${encodeURIComponent('工程师')}`]]) {
      await page.goto(`${env.url}${path}`);
      await expectFitsPhone(page, name);
    }
    await page.goto(`${env.url}/v/${v2Token}`);
    expect(await page.textContent('.facts')).toContain(no);
    // English text is marked as English
    expect(await page.locator('.verdict .big-en[lang="en"]').count()).toBe(1);
    expect(await page.locator('.message .en[lang="en"]').count()).toBe(1);
    await page.close();
  });

  it('a superseded version is amber, distinct from the failure red and the brand red, and names the current version', async () => {
    const page = await phone();
    await page.goto(`${env.url}/v/${v1Token}`);
    expect(await page.getAttribute('.verdict', 'data-sub-indication')).toBe('SUPERSEDED');
    expect(await page.textContent('.verdict .big')).toBe('已被新版本取代');
    const colours = await page.evaluate(() => {
      const v = getComputedStyle(document.querySelector('.verdict')!).backgroundColor;
      const brand = getComputedStyle(document.querySelector('.top')!).backgroundColor;
      const probe = document.createElement('div');
      probe.className = 'verdict fail';
      document.body.append(probe);
      const fail = getComputedStyle(probe).backgroundColor;
      probe.remove();
      return { v, brand, fail };
    });
    expect(new Set([colours.v, colours.brand, colours.fail]).size).toBe(3);
    const [r, g, b] = colours.v.match(/\d+/g)!.map(Number);
    expect(r).toBeGreaterThan(150); // amber: strong red and green, little blue
    expect(g).toBeGreaterThan(90);
    expect(b).toBeLessThan(60);
    const text = await page.textContent('.verdict');
    expect(text).toContain('第 2 版');
    expect(text).toContain('请向持证人索取最新版本');
    expect(text).not.toMatch(/伪造|篡改|forged|tamper/i);
    expect(await page.textContent('.facts')).toContain('已在第 2 版更正');
    await page.close();
  });

  it('a blurred JPEG photo of the QR code on /verify gives the QR verdict that asks to compare, never "unaltered"', async () => {
    const jpeg = await sharp(readFileSync(renderPng(v2Pdf, 150))).blur(1).jpeg({ quality: 40 }).toBuffer();
    for (const js of [true, false]) {
      const context = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      await page.goto(`${env.url}/verify`);
      await page.setInputFiles('#file', tmpFile('photo.jpg', jpeg));
      await Promise.all([page.waitForSelector('.verdict', { timeout: 20_000 }), page.click('#verify-form button[type=submit]')]);
      expect(await page.getAttribute('.verdict', 'data-evidence'), `js ${js}`).toBe('qr');
      expect(await page.textContent('.verdict .big')).toBe('二维码真实');
      const text = await page.textContent('main');
      expect(text).toContain('逐项核对');
      expect(text).not.toMatch(/未被修改|unaltered/i);
      await expectFitsPhone(page, `qr-photo-${js ? 'js' : 'nojs'}`);
      await context.close();
    }
  });

  it('the directory look-up on /verify answers in the directory, a former name and a named fake', async () => {
    const page = await phone();
    for (const [q, answer] of [['一级建造师', 'in-directory'], ['注册设备监理师', 'former-name'], ['计量工程师', 'named-fake'], ['宇宙超级工程大师', 'not-in-directory']]) {
      await page.goto(`${env.url}/verify`);
      await page.fill('#q', q);
      await Promise.all([page.waitForURL(/q=/), page.click('#directory button[type=submit]')]);
      expect(await page.getAttribute('.directory-result', 'data-directory-answer'), q).toBe(answer);
    }
    expect(await page.textContent('.directory-result')).toContain('不是国家职业资格证书');
    await expectFitsPhone(page, 'directory-not-in');
    await page.close();
  });

  it('a copy printed through chromium’s PDF printer: not the sealed original, not accused, the QR check of the QR on the page offered', async () => {
    const page = await browser.newPage();
    const png = readFileSync(renderPng(v2Pdf, 150)).toString('base64');
    await page.setContent(`<html><body style="margin:0"><img src="data:image/png;base64,${png}" style="width:100%"></body></html>`);
    const printed = await page.pdf({ format: 'A4' });
    const r = await (await fetch(`${env.url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: new Uint8Array(printed) })).json();
    expect(r).toMatchObject({ evidence: 'pdf', notOriginal: true, copyOf: { qrCheckUrl: `/v/${v2Token}` } });
    expect(r.message.zh + r.message.en).not.toMatch(/伪造|篡改|forged|tamper|altered/i);
    // the same upload on /verify shows the way forward
    await page.goto(`${env.url}/verify`);
    await page.setInputFiles('#file', tmpFile('printed.pdf', Buffer.from(printed)));
    await page.click('#verify-form button[type=submit]');
    await page.waitForSelector('.verdict');
    expect(await page.textContent('.verdict .big')).toBe('非原件');
    await page.click('[data-qr-check]');
    await page.waitForSelector('.verdict[data-evidence="qr"]');
    expect(await page.getAttribute('.verdict', 'data-indication')).toBe('TOTAL_PASSED');
    await page.close();
  });

  it('a print view of a verdict: 查验时间, result, 管理号, link; page chrome hidden', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.url}/v/${v2Token}`);
    await page.emulateMedia({ media: 'print' });
    const record = await page.textContent('.print-record');
    for (const s of ['查验时间', '结果', '管理号', no, `/v/${v2Token}`]) expect(record).toContain(s);
    expect(await page.isVisible('nav')).toBe(false);
    await page.pdf({ path: join(ARTIFACTS, 'issue11-verdict-print.pdf') });
    await page.close();
  });
});
