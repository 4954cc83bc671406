import type { VerificationReport } from '../../verify/VerificationReport';
import { esc } from './html';

const VERDICTS = {
  passed: { cls: 'pass', zh: '通过', en: 'Genuine and valid' },
  revoked: { cls: 'revoked', zh: '已撤销', en: 'Revoked' },
  failed: { cls: 'fail', zh: '失败', en: 'Failed' },
  unknown: { cls: 'unknown', zh: '无法确认', en: 'Cannot be confirmed' },
} as const;

export function verdictOf(r: VerificationReport): keyof typeof VERDICTS {
  if (r.indication === 'TOTAL_PASSED') return 'passed';
  if (r.subIndication === 'REVOKED') return 'revoked';
  if (r.indication === 'INDETERMINATE') return 'unknown';
  return 'failed';
}

/** The verdict, large, then the certificate's facts and the checks, the failed one explained. */
export function reportView(r: VerificationReport): string {
  const v = VERDICTS[verdictOf(r)];
  const c = r.certificate;
  const failed = r.checks.find((x) => !x.passed);
  const facts = c
    ? `<dl class="facts">
<dt>管理号 <small>No.</small></dt><dd>${esc(c.managementNo)}</dd>
<dt>职业资格 <small>Qualification</small></dt><dd>${esc(c.qualificationTitle ?? c.qualification)}</dd>
<dt>姓名 <small>Name</small></dt><dd>${esc(c.holderName)}</dd>
<dt>证件号码 <small>ID</small></dt><dd>${esc(c.idNumberMasked)}</dd>
<dt>批准日期 <small>Approved</small></dt><dd>${esc(c.approvalDate)}</dd>
<dt>制发日期 <small>Issued</small></dt><dd>${esc(c.issueDate)}</dd>
<dt>发证机构 <small>Issuer</small></dt><dd>${esc(c.issuer)}</dd>
<dt>状态 <small>Status</small></dt><dd>${esc({ valid: '有效 valid', revoked: '已撤销 revoked', superseded: '已被新版本取代 superseded', unknown: '未知 unknown' }[c.status])}${c.revokedAt ? ` · ${esc(c.revokedAt.slice(0, 10))}` : ''}</dd>
</dl>`
    : '';
  return `<section class="verdict ${v.cls}" data-indication="${esc(r.indication)}" data-sub-indication="${esc(r.subIndication ?? '')}" role="status">
<div class="big">${v.zh}</div><div class="big-en">${v.en}</div>
<p>${esc(r.message.zh)}<br><span class="en">${esc(r.message.en)}</span></p>
${failed ? `<p class="why">未通过的检查 Failed check: <code>${esc(failed.id)}</code> — ${esc(failed.detail)}</p>` : ''}
</section>
${facts}
<details class="checks"><summary>全部检查项 All checks (${r.checks.length})</summary><ul>
${r.checks.map((x) => `<li class="${x.passed ? 'ok' : 'ko'}">${x.passed ? '✔' : '✘'} <code>${esc(x.id)}</code> ${esc(x.detail)}</li>`).join('\n')}
</ul></details>`;
}
