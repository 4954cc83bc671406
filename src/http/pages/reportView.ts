import type { ReportCertificate, VerificationReport } from '../../verify/VerificationReport';
import { checkZh } from './checkText';
import { esc } from './html';

const VERDICTS = {
  passed: { cls: 'pass', zh: '通过', en: 'Genuine and valid' },
  qrPassed: { cls: 'pass', zh: '二维码真实', en: 'QR code genuine · registry: valid' },
  superseded: { cls: 'superseded', zh: '已被新版本取代', en: 'Superseded by a corrected version' },
  notOriginal: { cls: 'copy', zh: '非原件', en: 'Not the sealed original' },
  revoked: { cls: 'revoked', zh: '已撤销', en: 'Revoked' },
  failed: { cls: 'fail', zh: '失败', en: 'Failed' },
  unknown: { cls: 'unknown', zh: '无法确认', en: 'Cannot be confirmed' },
  // issue 15 (加注): amber like a superseded version: the certificate itself may still be valid
  annotationExpired: { cls: 'superseded', zh: '加注件已过期', en: 'Annotated copy expired' },
  annotationWithdrawn: { cls: 'superseded', zh: '加注件已撤回', en: 'Annotated copy withdrawn' },
  // issue 12: never a certificate
  sample: { cls: 'fail', zh: '样本，不是证书', en: 'Sample, not a certificate' },
} as const;

export function verdictOf(r: VerificationReport): keyof typeof VERDICTS {
  if (r.indication === 'TOTAL_PASSED') return r.evidence === 'qr' ? 'qrPassed' : 'passed';
  if (r.subIndication === 'SUPERSEDED') return 'superseded';
  if (r.subIndication === 'REVOKED') return 'revoked';
  if (r.subIndication === 'ANNOTATION_EXPIRED') return 'annotationExpired';
  if (r.subIndication === 'ANNOTATION_WITHDRAWN') return 'annotationWithdrawn';
  if (r.subIndication === 'SAMPLE') return 'sample';
  if (r.notOriginal) return 'notOriginal';
  if (r.indication === 'INDETERMINATE') return 'unknown';
  return 'failed';
}

const en = (s: string) => `<span class="en" lang="en">${esc(s)}</span>`;
/** Numbers that must never break across lines (管理号, ID numbers, hashes are set apart). */
const num = (s: string) => `<span class="num">${esc(s)}</span>`;
const STATUS = { valid: ['有效', 'valid'], revoked: ['已撤销', 'revoked'], superseded: ['已被新版本取代', 'superseded'], unknown: ['未知', 'unknown'] } as const;

/**
 * The certificate's facts in the order the certificate prints them (templates/style*.json):
 * 姓名, 证件号码, 性别, 出生年月, then the qualification, 批准日期, 管理号, 制发日期, the issuing body
 * and the status, one per line, so a verifier can compare them with the document in hand.
 */
function factsView(c: ReportCertificate): string {
  const changed = new Set(c.changedFields ?? []);
  const mark = (field: string) => (changed.has(field) ? ` <em class="changed">已在第 ${esc(c.currentVersion)} 版更正 ${en(`corrected in version ${c.currentVersion}`)}</em>` : '');
  const row = (zh: string, enLabel: string, value: string, field?: string) =>
    `<dt>${zh} <small lang="en">${enLabel}</small></dt><dd>${value}${field ? mark(field) : ''}</dd>`;
  const qualification = [esc(c.qualificationTitle ?? c.qualification), c.specialty ? `专业 ${esc(c.specialty)}` : ''].filter(Boolean).join('<br>');
  const status = STATUS[c.status];
  return `<dl class="facts" data-facts>
${row('姓名', 'Name', esc(c.holderName), 'holderName')}
${row('证件号码', 'ID number', num(c.idNumberMasked), 'idNumberMasked')}
${c.sex ? row('性别', 'Sex', `${esc(c.sex)} ${en(c.sex === '男' ? 'male' : c.sex === '女' ? 'female' : '')}`, 'sex') : ''}
${c.birth ? row('出生年月', 'Born', num(c.birth), 'birth') : ''}
${row('职业资格', 'Qualification', qualification, 'specialty')}
${row('批准日期', 'Approved', num(c.approvalDate), 'approvalDate')}
${row('管理号', 'Management No.', num(c.managementNo))}
${row('制发日期', 'Issued', num(c.issueDate), 'issueDate')}
${row('发证机构', 'Issuing body', esc(c.issuer))}
${row('状态', 'Status', `${status[0]} ${en(status[1])}${c.version && c.currentVersion ? ` · 第 ${esc(c.version)} 版，现行第 ${esc(c.currentVersion)} 版 ${en(`version ${c.version}, current ${c.currentVersion}`)}` : ''}${c.revokedAt ? ` · ${num(c.revokedAt.slice(0, 10))}` : ''}`)}
</dl>`;
}

/** What the verifier can do next: the QR check of a copy's certificate, or a 管理号 look-up. */
function nextSteps(r: VerificationReport): string {
  const steps: string[] = [];
  if (r.copyOf?.qrCheckUrl) {
    steps.push(`<a class="button" href="${esc(r.copyOf.qrCheckUrl)}" data-qr-check>查验该证书${r.copyOf.managementNo ? ` ${num(r.copyOf.managementNo)}` : ''} ${en('QR check of this certificate')}</a>`);
  }
  if (r.notOriginal || r.indication === 'INDETERMINATE' || (r.evidence === 'qr' && r.subIndication === 'SIG_CRYPTO_FAILURE')) {
    steps.push(`<a href="/verify#lookup">用管理号和姓名查询 ${en('Look up by 管理号 (management number) and name')}</a>`);
    if (r.notOriginal) steps.push(`<span>或扫描证书上的二维码 ${en('or scan the QR code on the certificate')}</span>`);
  }
  return steps.length ? `<p class="next">${steps.join(' ')}</p>` : '';
}

/** A record a verifier can print and file: 查验时间, result, 管理号, document SHA-256, link. */
function printRecord(r: VerificationReport, v: (typeof VERDICTS)[keyof typeof VERDICTS], link?: string): string {
  return `<section class="print-record" aria-label="查验记录 Verification record">
<h2>查验记录 ${en('Verification record')}</h2>
<dl>
<dt>查验时间 <small lang="en">Checked at</small></dt><dd><time datetime="${esc(r.verifiedAt)}">${num(r.verifiedAt.slice(0, 10))} ${num(`${r.verifiedAt.slice(11, 19)} UTC`)}</time></dd>
<dt>查验方式 <small lang="en">Checked</small></dt><dd>${r.evidence === 'qr' ? `二维码 ${en('QR code only')}` : `PDF 文件（印章、内容、登记库） ${en('PDF file (seal, bytes, registry)')}`}</dd>
<dt>结果 <small lang="en">Result</small></dt><dd>${v.zh} ${en(v.en)} · <code>${esc(r.indication)}${r.subIndication ? ` / ${esc(r.subIndication)}` : ''}</code></dd>
${r.certificate ? `<dt>管理号 <small lang="en">Management No.</small></dt><dd>${num(r.certificate.managementNo)}</dd>` : ''}
${r.documentSha256 ? `<dt>文件 SHA-256 <small lang="en">File SHA-256</small></dt><dd><code class="hash">${esc(r.documentSha256)}</code></dd>` : ''}
${link ? `<dt>链接 <small lang="en">Link</small></dt><dd><a class="hash" href="${esc(link)}">${esc(link)}</a></dd>` : ''}
</dl>
<p class="hint noprint">打印本页即得查验记录。 ${en('Print this page to keep a record of the check.')}</p>
</section>`;
}

/** The verdict, large, then the certificate's facts and the checks, the failed one explained in zh and en. */
export function reportView(r: VerificationReport, opts: { link?: string } = {}): string {
  const v = VERDICTS[verdictOf(r)];
  const c = r.certificate;
  const failed = r.checks.find((x) => !x.passed);
  const compare = r.evidence === 'qr' && c ? `<p class="compare">请逐项核对：下列信息应与您手中证书上印的完全一致。 ${en('Compare line by line: the facts below must match those printed on the document in hand.')}</p>` : '';
  return `${r.annotation ? annotationView(r.annotation) : ''}<section class="verdict ${v.cls}" data-indication="${esc(r.indication)}" data-sub-indication="${esc(r.subIndication ?? '')}" data-evidence="${esc(r.evidence)}" role="status">
<div class="big">${v.zh}</div><div class="big-en" lang="en">${v.en}</div>
<p class="message">${esc(r.message.zh)}<br>${en(r.message.en)}</p>
${failed ? `<p class="why">未通过的检查：${esc(checkZh(failed.id) ?? '检查未通过')}<br>${en(`Failed check: ${failed.detail}`)} <code>${esc(failed.id)}</code></p>` : ''}
</section>
${nextSteps(r)}
${compare}
${c ? factsView(c) : ''}
<details class="checks"><summary>全部检查项 ${en(`All checks (${r.checks.length})`)}</summary><ul>
${r.checks.map((x) => `<li class="${x.passed ? 'ok' : 'ko'}">${x.passed ? '✔' : '✘'} <code>${esc(x.id)}</code> ${checkZh(x.id) && !x.passed ? `${esc(checkZh(x.id)!)} · ` : ''}<span lang="en">${esc(x.detail)}</span></li>`).join('\n')}
</ul></details>
${printRecord(r, v, opts.link)}`;
}

const ANNOTATION_STATUS = { valid: ['有效', 'valid'], expired: ['已过期', 'expired'], withdrawn: ['已撤回', 'withdrawn'] } as const;

/** Issue 15 (加注): the purpose and end date of an annotated copy, shown before anything else. */
function annotationView(a: NonNullable<VerificationReport['annotation']>): string {
  const st = ANNOTATION_STATUS[a.status];
  const [y, m, d] = a.validUntil.split('-');
  return `<section class="annotation ${esc(a.status)}" data-annotation data-annotation-status="${esc(a.status)}" aria-label="加注 Annotation">
<p class="annotation-line"><strong>加注件</strong> ${en('Annotated copy')}</p>
<dl class="facts">
<dt>用途 <small lang="en">Purpose</small></dt><dd data-annotation-purpose>${esc(a.purposeName.zh)} ${en(a.purposeName.en)}</dd>
<dt>有效期至 <small lang="en">Valid until</small></dt><dd data-annotation-valid-until>${num(`${y}年${m}月${d}日`)} ${en(a.validUntil)}</dd>
<dt>加注状态 <small lang="en">Annotation status</small></dt><dd>${st[0]} ${en(st[1])}</dd>
</dl>
</section>
`;
}
