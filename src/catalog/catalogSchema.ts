import { z } from 'zod';

/** Stable ASCII codes: lowercase kebab. */
const code = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lowercase ASCII kebab-case');
/** Printed Chinese text: no ASCII control characters, no leading or trailing space. */
const printed = z.string().min(1).max(60).regex(/^\S(.*\S)?$/u, 'no leading or trailing space');
const departments = z.array(printed).min(1).max(4);
/** A calendar date, `YYYY-MM-DD`. */
const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'YYYY-MM-DD');

export const specialtySchema = z.object({ code, name: printed, departments }).strict();

export const qualificationSchema = z
  .object({
    code,
    /** Number used in the 管理号 (three digits): stable for ever, never reused. */
    serial: z.number().int().min(1).max(999),
    name: printed,
    level: printed.optional(),
    /** As printed in "××××职业资格" and "取得××××职业资格。" */
    title: printed,
    titleEn: z.string().min(1).max(80),
    style: z.union([z.literal(1), z.literal(2)]),
    /** Style 2: "具有××××的职业水平和能力" */
    competence: printed.optional(),
    departments: departments.optional(),
    specialties: z.array(specialtySchema).min(2).optional(),
    issuingBody: code,
    sealId: code,
  })
  .strict()
  .superRefine((q, ctx) => {
    if (!q.departments === !q.specialties) {
      ctx.addIssue({ code: 'custom', path: ['departments'], message: 'give either departments or specialties (each with its departments), not both' });
    }
    if (q.style === 2 && !q.competence) ctx.addIssue({ code: 'custom', path: ['competence'], message: 'style 2 entries need competence' });
    if (q.style === 1 && q.competence) ctx.addIssue({ code: 'custom', path: ['competence'], message: 'only style 2 prints a competence' });
  });

export const catalogSchema = z
  .object({
    $comment: z.string().optional(),
    version: z.number().int(),
    issuingBodies: z
      .array(
        z
          .object({
            code,
            name: printed,
            nameEn: z.string().min(1),
            sealId: code,
            /**
             * Issue 15 (加注): certificates with 制发日期 on or after this date reach holders only as
             * annotated copies (CPTA practice since 2021-12-17); absent = originals downloadable.
             */
            annotatedCopiesOnlyFrom: isoDate.optional(),
          })
          .strict(),
      )
      .min(1),
    /**
     * Issue 15 (加注): the usage scenes a holder may choose (every one listed is accepted);
     * `cptaOffersToday` records which CPTA itself offers (only 本人调用 as of 2026).
     */
    annotationPurposes: z
      .array(z.object({ code, zh: printed, en: z.string().min(1).max(80), cptaOffersToday: z.boolean().default(false) }).strict())
      .min(1)
      .refine((list) => list.some((p) => p.code === 'self-use'), 'self-use (本人调用) must be declared')
      .refine((list) => new Set(list.map((p) => p.code)).size === list.length, 'purpose codes must be unique'),
    seals: z.array(z.object({ id: code, bodyCode: code, arcText: printed, centerText: printed.optional(), fullName: printed }).strict()).min(1),
    qualifications: z.array(qualificationSchema).min(1),
  })
  .strict();

export type CatalogData = z.infer<typeof catalogSchema>;
export type Qualification = z.infer<typeof qualificationSchema>;
export type IssuingBody = CatalogData['issuingBodies'][number];
export type Seal = CatalogData['seals'][number];
export type AnnotationPurpose = CatalogData['annotationPurposes'][number];
