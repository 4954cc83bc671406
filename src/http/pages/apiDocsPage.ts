import { esc, page } from './html';

/** A readable rendering of the OpenAPI document (no third-party viewer, no CDN). */
export function apiDocsPage(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<string, Record<string, { summary?: string; security?: unknown[]; responses?: Record<string, unknown> }>>;
  const rows = Object.entries(paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(
        ([method, op]) =>
          `<tr><td><code>${esc(method.toUpperCase())}</code></td><td><code>${esc(path)}</code></td><td>${esc(op.summary ?? '')}</td><td>${op.security ? '发证机构 issuer' : '公开 public'}</td><td>${esc(Object.keys(op.responses ?? {}).join(' '))}</td></tr>`,
      ),
    )
    .join('\n');
  return page(
    'API',
    `<h1>HTTP API <span class="en">OpenAPI 3.1: <a href="/openapi.json">/openapi.json</a></span></h1>
<table class="api"><thead><tr><th>方法</th><th>路径 Path</th><th>说明 Summary</th><th>访问 Access</th><th>响应 Responses</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>请求体 Request schemas</h2>
<pre>${esc(JSON.stringify((doc.components as { schemas: unknown }).schemas, null, 2))}</pre>`,
  );
}
