import type { z } from 'zod';
import { zhCN } from 'zod/locales';

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
