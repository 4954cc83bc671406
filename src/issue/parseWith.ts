import type { z } from 'zod';
import { zhCN } from 'zod/locales';
import { EcertError } from '../core/errors';

const zh = zhCN();

/**
 * A zod issue in both languages: zod's own English message and its zh-CN locale's. The issue
 * must come from a parse with `reportInput: true` (the locale names what was received); its
 * input is the submitter's and is never logged.
 */
export function issueMessages(issue: z.core.$ZodIssue): { zh: string; en: string } {
  const m = zh.localeError(issue as unknown as z.core.$ZodRawIssue);
  return { zh: (typeof m === 'string' ? m : m?.message) ?? issue.message, en: issue.message };
}

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
