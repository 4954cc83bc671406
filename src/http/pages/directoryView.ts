import type { DirectoryResult } from '../../directory/lookupDirectory';
import { esc } from './html';

const en = (s: string) => `<span class="en" lang="en">${esc(s)}</span>`;

/** The /verify section "is this qualification in the 国家职业资格目录?" with its answer. */
export function directorySection(result?: DirectoryResult, error?: { zh: string; en: string }, query = ''): string {
  return `<section id="directory" class="panel directory">
<h2>国家职业资格目录查询 ${en('Is it a national qualification?')}</h2>
<p class="hint">先确认证书的职业资格在《国家职业资格目录（2021年版）》中：目录之外的“职业资格证书”不是国家职业资格。 ${en('First check that the qualification is in the national directory (2021): certificates for titles outside it are not national qualifications.')}</p>
<form method="get" action="/verify#directory" class="inline-form">
<label for="q">职业资格名称 ${en('Qualification name')}</label>
<input id="q" name="q" maxlength="60" required value="${esc(query)}" placeholder="例如 一级建造师">
<button type="submit">查询 ${en('Look up')}</button>
</form>
${error ? `<div class="directory-result no" role="alert"><p>${esc(error.zh)}<br>${en(error.en)}</p></div>` : ''}
${result ? directoryResultView(result) : ''}
</section>`;
}

export function directoryResultView(r: DirectoryResult): string {
  const cls = r.inDirectory ? 'yes' : 'no';
  const head = r.inDirectory ? `在目录中 ${en('In the directory')}` : r.answer === 'named-fake' ? `不是国家职业资格（已被点名） ${en('Not a national qualification (named by the authorities)')}` : `不在目录中 ${en('Not in the directory')}`;
  const items = r.matches
    .map(
      (m) => `<li data-directory-match><strong>${esc(m.name)}</strong> · ${esc(m.categoryName.zh)} ${en(m.categoryName.en)}
<br>实施部门 ${en('Departments')}：${m.departments.length ? esc(m.departments.join('、')) : `未知 ${en('unknown')}`}${m.departmentsSource === 'unverified' ? ` <small>（待核对 ${en('to be checked against the table')}）</small>` : ''}
${m.formerNames ? `<br>曾用名 ${en('Former names')}：${esc(m.formerNames.join('、'))}` : ''}
${m.jobs ? `<br>涵盖 ${en('Covers')}：${esc(m.jobs.join('、'))}` : ''}
<br>${m.eCertificate ? `本服务签发其电子证书 ${en('This service issues its e-certificates')}` : `本服务不签发其电子证书 ${en('This service does not issue its e-certificates')}`}</li>`,
    )
    .join('\n');
  return `<div class="directory-result ${cls}" data-directory-answer="${esc(r.answer)}" data-in-directory="${r.inDirectory}" role="status">
<p><strong>${head}</strong></p>
<p>${esc(r.message.zh)}<br>${en(r.message.en)}</p>
${items ? `<ul>${items}</ul>` : ''}
<p class="hint">来源 ${en('Source')}：${esc(r.source.title)}（${esc(r.source.date)}） <a href="${esc(r.source.url)}" rel="noopener">gov.cn</a></p>
</div>`;
}

/** The 管理号 look-up (a re-saved copy or a bad QR leads here): 管理号 and name → that certificate's QR check. */
export function lookupSection(error?: { zh: string; en: string }, managementNo = ''): string {
  return `<section id="lookup" class="panel">
<h2>用管理号查询 ${en('Look up by 管理号 (management number)')}</h2>
<form method="post" action="/verify/lookup" class="inline-form">
<label for="lk-no">管理号 ${en('Management number')}</label><input id="lk-no" name="managementNo" required maxlength="32" autocomplete="off" inputmode="numeric" value="${esc(managementNo)}">
<label for="lk-name">持证人姓名 ${en('Holder’s name')}</label><input id="lk-name" name="name" required maxlength="64" autocomplete="off">
<button type="submit">查询 ${en('Look up')}</button>
</form>
${error ? `<div class="directory-result no" role="alert"><p>${esc(error.zh)}<br>${en(error.en)}</p></div>` : ''}
</section>`;
}
