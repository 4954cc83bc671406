import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EcertError } from '../core/errors';
import { Catalog } from './Catalog';
import { catalogSchema, type CatalogData } from './catalogSchema';

const DEFAULT_PATH = fileURLToPath(new URL('../../templates/catalog.json', import.meta.url));
const cache = new Map<string, Catalog>();

/**
 * Load and validate the catalog once per process. A malformed catalog stops start-up with
 * ERR_CATALOG_INVALID naming the entry and the field, e.g.
 * `qualifications[5] (supervising-engineer).specialties[0] (civil).departments: …`.
 */
export function loadCatalog(path = DEFAULT_PATH): Catalog {
  let c = cache.get(path);
  if (!c) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw invalid(`${path}: ${(e as Error).message}`);
    }
    c = new Catalog(validateCatalog(raw));
    cache.set(path, c);
  }
  return c;
}

export function validateCatalog(raw: unknown): CatalogData {
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`${where(raw, issue.path)}: ${issue.message}`);
  }
  const d = parsed.data;
  const problems: string[] = [];
  const dup = <T>(items: T[], key: (t: T) => unknown, what: string) => {
    const seen = new Set();
    items.forEach((t, i) => {
      const k = key(t);
      if (seen.has(k)) problems.push(`${what}[${i}]: duplicate ${String(k)}`);
      seen.add(k);
    });
  };
  dup(d.qualifications, (q) => q.code, 'qualifications');
  dup(d.qualifications, (q) => q.serial, 'qualifications');
  dup(d.issuingBodies, (b) => b.code, 'issuingBodies');
  dup(d.seals, (s) => s.id, 'seals');
  const bodies = new Map(d.issuingBodies.map((b) => [b.code, b]));
  const seals = new Map(d.seals.map((s) => [s.id, s]));
  d.seals.forEach((s, i) => {
    if (!bodies.has(s.bodyCode)) problems.push(`seals[${i}] (${s.id}).bodyCode: unknown body ${s.bodyCode}`);
  });
  d.issuingBodies.forEach((b, i) => {
    if (!seals.has(b.sealId)) problems.push(`issuingBodies[${i}] (${b.code}).sealId: unknown seal ${b.sealId}`);
  });
  d.qualifications.forEach((q, i) => {
    const at = `qualifications[${i}] (${q.code})`;
    const body = bodies.get(q.issuingBody);
    if (!body) problems.push(`${at}.issuingBody: unknown body ${q.issuingBody}`);
    else if (body.sealId !== q.sealId) problems.push(`${at}.sealId: must be the seal of ${body.code} (${body.sealId})`);
    q.specialties?.forEach((s, j) => {
      if (q.specialties!.findIndex((x) => x.code === s.code || x.name === s.name) !== j) problems.push(`${at}.specialties[${j}]: duplicate`);
    });
  });
  // 人社厅发〔2021〕97号 §2/§3: every style-1 certificate carries the one MOHRSS seal; style 2 the body's own.
  const style1Seals = new Set(d.qualifications.filter((q) => q.style === 1).map((q) => q.sealId));
  if (style1Seals.size > 1) problems.push(`qualifications: style 1 entries must share one seal, found ${[...style1Seals].join(', ')}`);
  d.qualifications.forEach((q, i) => {
    if (q.style === 2 && style1Seals.has(q.sealId)) problems.push(`qualifications[${i}] (${q.code}).sealId: style 2 uses the issuing body's own seal`);
  });
  if (problems.length) throw invalid(problems.join('; '));
  return d;
}

function where(raw: unknown, path: PropertyKey[]): string {
  let s = '';
  let node: unknown = raw;
  for (const p of path) {
    s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
    node = (node as Record<PropertyKey, unknown> | undefined)?.[p];
    const code = (node as { code?: unknown } | undefined)?.code;
    if (typeof p === 'number' && typeof code === 'string') s += ` (${code})`;
  }
  return s || '(root)';
}

function invalid(en: string): EcertError {
  return new EcertError('ERR_CATALOG_INVALID', { zh: en, en });
}
