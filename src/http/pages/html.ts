/** Escape text for HTML element content and attribute values. */
export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The page frame shared by every page: Chinese first, English alongside; every asset local. */
export function page(title: string, body: string, opts: { scripts?: string[] } = {}): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · 专业技术人员职业资格电子证书</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<header class="top"><a href="/" class="brand">专业技术人员职业资格电子证书<span lang="en">Professional Qualification E-Certificates</span></a>
<nav><a href="/verify">查验 Verify</a><a href="/holder">下载 Download</a></nav></header>
<main>
${body}
</main>
<footer>依据人社厅发〔2021〕97号 · Based on MOHRSS notice No. 97 (2021) · <a href="/api-docs">API</a></footer>
${(opts.scripts ?? []).map((s) => `<script src="${esc(s)}" defer></script>`).join('\n')}
</body>
</html>
`;
}
