import { EcertError } from '../core/errors';
import type { AnnotationPurpose, CatalogData, IssuingBody, Qualification, Seal } from './catalogSchema';

/** The qualification catalog (templates/catalog.json), validated; lookups by code. */
export class Catalog {
  private readonly byCode: Map<string, Qualification>;
  private readonly bodyByCode: Map<string, IssuingBody>;
  private readonly sealById: Map<string, Seal>;

  constructor(private readonly data: CatalogData) {
    this.byCode = new Map(data.qualifications.map((q) => [q.code, q]));
    this.bodyByCode = new Map(data.issuingBodies.map((b) => [b.code, b]));
    this.sealById = new Map(data.seals.map((s) => [s.id, s]));
  }

  get bodies(): readonly IssuingBody[] {
    return this.data.issuingBodies;
  }

  get seals(): readonly Seal[] {
    return this.data.seals;
  }

  /** Issue 15 (加注): every declared usage scene (check `offered` before accepting one). */
  get annotationPurposes(): readonly AnnotationPurpose[] {
    return this.data.annotationPurposes;
  }

  list(): readonly Qualification[] {
    return this.data.qualifications;
  }

  has(code: string): boolean {
    return this.byCode.has(code);
  }

  get(code: string): Qualification {
    const q = this.byCode.get(code);
    if (!q) throw new EcertError('ERR_UNKNOWN_QUALIFICATION', { details: { qualification: code } });
    return q;
  }

  body(code: string): IssuingBody {
    const b = this.bodyByCode.get(code);
    if (!b) throw new EcertError('ERR_CATALOG_INVALID', { en: `unknown issuing body ${code}` });
    return b;
  }

  seal(id: string): Seal {
    const s = this.sealById.get(id);
    if (!s) throw new EcertError('ERR_CATALOG_INVALID', { en: `unknown seal ${id}` });
    return s;
  }

  /**
   * The approving (style 1) or supervising (style 2) departments, in print order. For
   * entries with specialties, exactly those of the holder's specialty (by name or code).
   */
  departmentsFor(code: string, specialty?: string): string[] {
    const q = this.get(code);
    if (!q.specialties) {
      if (specialty) throw new EcertError('ERR_SPECIALTY_NOT_ALLOWED', { details: { specialty } });
      return q.departments!;
    }
    if (!specialty) throw new EcertError('ERR_SPECIALTY_REQUIRED', { details: { qualification: code, specialties: q.specialties.map((s) => s.name) } });
    const sp = q.specialties.find((s) => s.name === specialty || s.code === specialty);
    if (!sp) throw new EcertError('ERR_UNKNOWN_SPECIALTY', { details: { specialty, specialties: q.specialties.map((s) => s.name) } });
    return sp.departments;
  }

  /** The contract's `GET /api/v1/qualifications` view. */
  publicView() {
    return this.data.qualifications.map((q) => {
      const body = this.body(q.issuingBody);
      return {
        code: q.code,
        name: q.name,
        ...(q.level ? { level: q.level } : {}),
        title: q.title,
        titleEn: q.titleEn,
        ...(q.specialties ? { specialties: q.specialties.map((s) => ({ code: s.code, name: s.name, departments: s.departments })) } : { departments: q.departments }),
        style: q.style,
        sealId: q.sealId,
        issuingBody: { code: body.code, name: body.name },
      };
    });
  }
}
