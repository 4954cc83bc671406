import type { AnnotationView } from '../../annotate/holderAnnotations';
import { esc, page } from './html';

const STATUS = { valid: ['有效', 'valid'], expired: ['已过期', 'expired'], withdrawn: ['已撤回', 'withdrawn'] } as const;
const en = (s: string) => `<span class="en" lang="en">${esc(s)}</span>`;

/**
 * Issue 15 (加注): the holder's annotated copies after the identity check, each valid one with a
 * withdraw form. The ID number is not echoed into the page: withdrawing asks for it again.
 */
export function holderAnnotationsPage(list: { managementNo: string; annotations: AnnotationView[] }, who: { name: string }, notice?: { zh: string; en: string }): string {
  const rows = list.annotations
    .map((a) => {
      const st = STATUS[a.status];
      const withdraw =
        a.status === 'valid'
          ? `<form method="post" action="/holder/annotations/withdraw" class="withdraw">
<input type="hidden" name="id" value="${esc(a.id)}"><input type="hidden" name="name" value="${esc(who.name)}"><input type="hidden" name="managementNo" value="${esc(list.managementNo)}">
<label for="id-${esc(a.id)}">证件号码 ${en('ID number')}</label><input id="id-${esc(a.id)}" name="idNumber" required maxlength="32" autocomplete="off">
<button type="submit">撤回 ${en('Withdraw')}</button></form>`
          : '';
      return `<tr data-annotation-id="${esc(a.id)}" data-status="${esc(a.status)}"><td>${esc(a.purposeName.zh)}<br>${en(a.purposeName.en)}</td><td>${esc(a.createdAt.slice(0, 10))}</td><td>${esc(a.validUntil)}</td><td>${st[0]} ${en(st[1])}</td><td>${withdraw}</td></tr>`;
    })
    .join('\n');
  return page(
    '我的加注件 Annotated copies',
    `<h1>我的加注件 ${en('My annotated copies')}</h1>
<p>管理号 ${en('Management No.')} <span class="num">${esc(list.managementNo)}</span></p>
${notice ? `<p class="notice" role="status">${esc(notice.zh)}<br>${en(notice.en)}</p>` : ''}
${list.annotations.length ? `<table class="api annotations"><thead><tr><th>用途 ${en('Purpose')}</th><th>生成日期 ${en('Created')}</th><th>有效期至 ${en('Valid until')}</th><th>状态 ${en('Status')}</th><th></th></tr></thead><tbody>
${rows}
</tbody></table>` : `<p>尚未生成加注件。 ${en('No annotated copy yet.')}</p>`}
<p><a href="/holder">返回 ${en('Back')}</a></p>`,
  );
}
