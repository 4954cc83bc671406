import { z } from 'zod';
import { ANNOTATION_POLICY } from './annotationPolicy';
import { holderLookupSchema } from '../issue/lookupHolderDocument';

/** POST /api/v1/holder/annotations and the /holder form (issue 15): identity, purpose, validity. */
export const createAnnotationSchema = holderLookupSchema.extend({
  purpose: z.string().trim().min(1).max(40),
  /** Form fields arrive as text. */
  validDays: z.coerce.number().int().min(1).max(ANNOTATION_POLICY.maxValidDays),
});

/** List and withdraw: the identity alone. */
export const holderIdentitySchema = holderLookupSchema;
