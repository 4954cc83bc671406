import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServer } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { tmpFile } from '../helpers/pdfTools';

/**
 * Issue 15 (加注) in Debian's chromium (playwright-core, as tests/e2e/pages.browser.test.ts): a
 * holder creates an annotated copy on /holder (purpose, validity, 生成加注件), the browser
 * downloads it, and /verify (upload) shows its purpose and end date before the verdict.
 * Screenshots go to test-artifacts/.
 */
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

describe('annotated copies in chromium', () => {
  let env: Awaited<ReturnType<typeof makeTestServer>>;
  let browser: Browser;
  let who: { name: string; idNumber: string; managementNo: string };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    env = await makeTestServer({ clock: () => new Date('2027-02-01T04:00:00Z') });
    const q = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
    const key = await env.keyFor(q.issuingBody);
    const body = issueBody(q.code, 11);
    const r = await fetch(`${env.url}/api/v1/certificates`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    who = { name: body.holder.name, idNumber: body.holder.idNumber, managementNo: (await r.json()).managementNo };
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('a holder creates an annotated copy on /holder, downloads it, and /verify shows its purpose and end date first', async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    await page.goto(`${env.url}/holder`);
    await page.fill('#name', who.name);
    await page.fill('#idNumber', who.idNumber);
    await page.fill('#managementNo', who.managementNo);
    await page.selectOption('#purpose', 'job-application');
    await page.fill('#validDays', '45');
    await page.screenshot({ path: join(ARTIFACTS, 'holder-annotate.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#annotate')]);
    const copy = readFileSync((await download.path())!);
    expect(copy.subarray(0, 5).toString()).toBe('%PDF-');
    const list = await (await fetch(`${env.url}/api/v1/holder/annotations/list`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) })).json();
    expect(list.annotations).toMatchObject([{ purpose: 'job-application', validUntil: '2027-03-17', status: 'valid' }]);

    await page.goto(`${env.url}/verify`);
    await page.setInputFiles('#file', tmpFile('copy.pdf', copy));
    await page.click('button[type=submit]');
    await page.waitForSelector('.verdict');
    expect(await page.getAttribute('.verdict', 'data-indication')).toBe('TOTAL_PASSED');
    expect(await page.textContent('[data-annotation-purpose]')).toContain('求职应聘');
    expect(await page.textContent('[data-annotation-valid-until]')).toContain('2027年03月17日');
    // shown before the verdict
    const order = await page.evaluate(() => {
      const a = document.querySelector('[data-annotation]')!;
      const v = document.querySelector('.verdict')!;
      return a.compareDocumentPosition(v) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    expect(order).toBeTruthy();
    await page.screenshot({ path: join(ARTIFACTS, 'verify-annotated.png'), fullPage: true });
    await page.close();
  });

  it('the holder lists the copies on /holder and withdraws one (the ID number is asked again, never echoed)', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.url}/holder`);
    await page.fill('#name', who.name);
    await page.fill('#idNumber', who.idNumber);
    await page.fill('#managementNo', who.managementNo);
    await Promise.all([page.waitForURL('**/holder/annotations/list'), page.click('#list-annotations')]);
    expect(await page.getAttribute('tr[data-annotation-id]', 'data-status')).toBe('valid');
    expect(await page.content()).not.toContain(who.idNumber);
    await page.fill('form.withdraw input[name=idNumber]', who.idNumber);
    await Promise.all([page.waitForURL('**/holder/annotations/withdraw'), page.click('form.withdraw button')]);
    expect(await page.getAttribute('tr[data-annotation-id]', 'data-status')).toBe('withdrawn');
    expect(await page.textContent('.notice')).toContain('已撤回');
    await page.screenshot({ path: join(ARTIFACTS, 'holder-annotations.png'), fullPage: true });
    await page.close();
  });
});
