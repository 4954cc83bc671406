import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EcertError } from '../core/errors';

const DEFAULT_PATH = fileURLToPath(new URL('../../templates/directory.json', import.meta.url));

const category = z.enum(['professional-access', 'professional-level', 'skilled-access']);
const entrySchema = z.object({
  no: z.number().int().min(1),
  name: z.string().min(1),
  category,
  departments: z.array(z.string().min(1)),
  departmentsSource: z.enum(['catalog', 'unverified', 'unknown']),
  jobs: z.array(z.string().min(1)).optional(),
  formerNames: z.array(z.string().min(1)).optional(),
  aliases: z.array(z.string().min(1)).optional(),
  ecertQualifications: z.array(z.string()),
});
const otherSchema = z.object({ name: z.string().min(1), aliases: z.array(z.string().min(1)).optional(), note: z.string().optional() });
export const directorySchema = z.object({
  source: z.object({ title: z.string(), publisher: z.string(), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), url: z.string().url(), note: z.string().optional() }),
  categories: z.record(category, z.object({ zh: z.string(), en: z.string() })),
  entries: z.array(entrySchema).min(1),
  removed: z.array(otherSchema),
  namedFakes: z.array(otherSchema),
});
export type DirectoryData = z.infer<typeof directorySchema>;
export type DirectoryEntry = z.infer<typeof entrySchema>;

let cached: DirectoryData | undefined;

/** templates/directory.json (国家职业资格目录 2021), validated once per process; ERR_CATALOG_INVALID when malformed. */
export function loadDirectory(path = DEFAULT_PATH): DirectoryData {
  if (path === DEFAULT_PATH && cached) return cached;
  let parsed;
  try {
    parsed = directorySchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (e) {
    throw new EcertError('ERR_CATALOG_INVALID', { en: `${path}: ${(e as Error).message}` });
  }
  if (!parsed.success) throw new EcertError('ERR_CATALOG_INVALID', { en: `${path}: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}` });
  if (path === DEFAULT_PATH) cached = parsed.data;
  return parsed.data;
}
