import { esc, page } from './html';
import { reportView } from './reportView';
import { directorySection, lookupSection } from './directoryView';
import type { VerificationReport } from '../../verify/VerificationReport';

export function homePage(): string {
  return page(
    '首页 Home',
    `<section class="hero"><h1>专业技术人员职业资格电子证书</h1><p class="en" lang="en">Electronic certificates of professional qualifications, sealed and verifiable</p></section>
<div class="cards">
<a class="card" href="/verify"><h2>查验证书</h2><p>上传电子证书 PDF，或上传二维码照片/截图</p><p class="en" lang="en">Verify: upload the PDF, or a photo or screenshot of its QR code</p></a>
<a class="card" href="/verify#directory"><h2>国家职业资格目录</h2><p>查询一项职业资格是否在国家目录中</p><p class="en" lang="en">Is a qualification in the national directory (2021)?</p></a>
<a class="card" href="/holder"><h2>下载我的证书</h2><p>凭姓名、证件号码和管理号下载</p><p class="en" lang="en">Holders: download your certificate with name, ID number and management number</p></a>
</div>`,
  );
}

/** The upload page; `resultHtml` is a rendered verdict or error to show under the form; `extra` the directory and 管理号 sections. */
export function verifyPage(resultHtml = '', extra = `${directorySection()}\n${lookupSection()}`): string {
  return page(
    '查验 Verify',
    `<h1>查验电子证书 <span class="en" lang="en">Verify a certificate</span></h1>
<form id="verify-form" class="panel" method="post" action="/verify" enctype="multipart/form-data">
<label for="file">选择证书 PDF 或二维码图片 <span class="en" lang="en">Choose the certificate PDF, or an image of its QR code</span></label>
<input id="file" name="file" type="file" accept="application/pdf,.pdf,image/png,image/jpeg,image/webp" required>
<button type="submit">查验 Verify</button>
<p class="hint">文件只用于本次查验。 <span class="en" lang="en">The file is only used for this check.</span></p>
</form>
<div id="result" aria-live="polite">${resultHtml}</div>
${extra}`,
    { scripts: ['/assets/jsQR.js', '/assets/verify.js'] },
  );
}

export function tokenPage(result: VerificationReport, link?: string): string {
  return page('扫码查验 QR verification', `<h1>扫码查验 <span class="en" lang="en">QR verification</span></h1>\n<div id="result">${reportView(result, { link })}</div>`);
}

export function holderPage(error?: { zh: string; en: string }, purposes: ReadonlyArray<{ code: string; zh: string; en: string }> = []): string {
  return page(
    '下载证书 Download',
    `<h1>下载我的电子证书 <span class="en" lang="en">Download my certificate</span></h1>
<form class="panel" method="post" action="/holder">
<label for="name">姓名 <span class="en" lang="en">Name</span></label><input id="name" name="name" required maxlength="64" autocomplete="name">
<label for="idNumber">证件号码 <span class="en" lang="en">ID number</span></label><input id="idNumber" name="idNumber" required maxlength="32" autocomplete="off">
<label for="managementNo">管理号 <span class="en" lang="en">Management number</span></label><input id="managementNo" name="managementNo" required maxlength="32" autocomplete="off">
<input type="hidden" name="challenge" id="challenge" disabled><input type="hidden" name="nonce" id="nonce" disabled>
<button type="submit">下载 Download</button>
${purposes.length ? annotationFields(purposes) : ''}
<p class="hint" id="holder-status" aria-live="polite"></p>
</form>
${error ? errorView(error) : ''}`,
    { scripts: ['/assets/holder.js'] },
  );
}

export function errorView(e: { zh: string; en: string }): string {
  return `<section class="verdict fail" role="alert"><p>${esc(e.zh)}<br><span class="en" lang="en">${esc(e.en)}</span></p></section>`;
}

/**
 * Issue 15 (加注): purpose and validity for an annotated copy, sent by the same form to
 * /holder/annotations (the button's formaction), so it works without JavaScript.
 */
function annotationFields(purposes: ReadonlyArray<{ code: string; zh: string; en: string }>): string {
  const options = purposes.map((p) => `<option value="${esc(p.code)}">${esc(p.zh)} ${esc(p.en)}</option>`).join('');
  return `<fieldset class="annotation-form"><legend>加注件 <span class="en" lang="en">Annotated copy</span></legend>
<label for="purpose">用途 <span class="en" lang="en">Purpose</span></label><select id="purpose" name="purpose">${options}</select>
<label for="validDays">有效天数（1–90） <span class="en" lang="en">Valid for (days, 1–90)</span></label><input id="validDays" name="validDays" type="number" min="1" max="90" value="30">
<button type="submit" formaction="/holder/annotations" id="annotate">生成加注件 <span class="en" lang="en">Create annotated copy</span></button>
<button type="submit" formaction="/holder/annotations/list" id="list-annotations" class="secondary">查看我的加注件 <span class="en" lang="en">List my annotated copies</span></button>
</fieldset>`;
}
