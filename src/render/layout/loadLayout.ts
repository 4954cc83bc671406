import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EcertError } from '../../core/errors';
import { layoutSchema, type Layout } from './layoutSchema';

const TEMPLATES = fileURLToPath(new URL('../../../templates/', import.meta.url));
const cache = new Map<string, Layout>();

/** The layout of style 1 or 2, parsed and validated once per process. */
export function loadLayout(style: 1 | 2, dir = TEMPLATES): Layout {
  const path = `${dir.replace(/\/?$/, '/')}style${style}.json`;
  let layout = cache.get(path);
  if (!layout) {
    const parsed = layoutSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new EcertError('ERR_CATALOG_INVALID', {
        zh: `版式 ${path} 的 ${issue.path.join('.')} 无效`,
        en: `layout ${path}: ${issue.path.join('.')}: ${issue.message}`,
      });
    }
    if (parsed.data.style !== style) throw new EcertError('ERR_CATALOG_INVALID', { en: `${path} declares style ${parsed.data.style}` });
    layout = parsed.data;
    cache.set(path, layout);
  }
  return layout;
}

/** Fill `{name}` placeholders; an unknown placeholder is a template error, not an empty string. */
export function fillTemplate(text: string, values: Record<string, string | undefined>): string {
  return text.replace(/\{(\w+)\}/g, (_, key: string) => {
    const v = values[key];
    if (v === undefined) throw new EcertError('ERR_CATALOG_INVALID', { en: `template placeholder {${key}} has no value` });
    return v;
  });
}
