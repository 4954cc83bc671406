import { z } from 'zod';

/** One centred line of text; `{…}` placeholders are filled from the certificate's view. */
const line = z.object({
  text: z.string().min(1),
  size: z.number().positive(),
  y: z.number(),
  /** Extra space between characters, in em. */
  tracking: z.number().min(0).max(2).default(0),
  bold: z.boolean().default(false),
});

export const FIELD_VALUES = ['holderName', 'idNumber', 'sex', 'birth', 'approvalDate', 'managementNo', 'issueDate'] as const;
export type FieldValue = (typeof FIELD_VALUES)[number];

/** The layout of one official style (templates/style1.json, templates/style2.json). */
export const layoutSchema = z.object({
  $comment: z.string().optional(),
  style: z.union([z.literal(1), z.literal(2)]),
  page: z.object({ width: z.number().positive(), height: z.number().positive() }),
  header: z.array(line).min(1),
  title: line,
  titleEn: line,
  paragraph: z.object({
    text: z.string().min(1),
    x: z.number(),
    width: z.number().positive(),
    y: z.number(),
    size: z.number().positive(),
    leading: z.number().positive(),
    /** First-line indent, in characters (two, as Chinese prose is set). */
    indent: z.number().min(0).default(2),
  }),
  fields: z.object({
    x: z.number(),
    valueX: z.number(),
    /** Right end no field value may pass: clear of the border (and of the QR code, for the lines beside it). */
    valueMaxX: z.number(),
    y: z.number(),
    size: z.number().positive(),
    leading: z.number().positive(),
    items: z
      .array(z.object({ label: z.string().min(1), value: z.enum(FIELD_VALUES) }))
      .length(7, 'the notice prints exactly seven fields'),
  }),
  seal: z.object({ over: z.enum(FIELD_VALUES), dx: z.number(), dy: z.number(), radius: z.number().positive() }),
  qr: z.object({ x: z.number(), y: z.number(), size: z.number().positive(), caption: z.array(z.string()).max(3) }),
  /** Issue 15 (加注): the band an annotated copy prints its purpose and end date in, clear of fields, seal, QR code and border. */
  annotationBand: z.object({ x: z.number(), y: z.number(), width: z.number().positive(), height: z.number().positive() }),
});

export type Layout = z.infer<typeof layoutSchema>;
