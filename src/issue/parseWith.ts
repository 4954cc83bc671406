import type { z } from 'zod';
import { EcertError } from '../core/errors';
import { issueMessages } from '../core/issueMessages';

/** Parse a request body with a zod schema; a failure is ERR_VALIDATION naming the field. */
export function parseWith<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body, { reportInput: true });
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.') || '(body)';
  const m = issueMessages(issue);
  throw new EcertError('ERR_VALIDATION', {
    zh: `字段 ${field} 无效：${m.zh}`,
    en: `${field}: ${m.en}`,
    details: { field },
  });
}
