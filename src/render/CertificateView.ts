import type { CertificateData } from '../core/types';
import type { SealSpec } from './artwork/sealArtwork';

/**
 * Everything the renderer prints, resolved from the catalog and the request: the renderer
 * itself knows nothing of the catalog or the registry.
 */
export interface CertificateView {
  /** Public data, also embedded as machine-readable JSON (masked ID only). */
  data: CertificateData;
  /** The full ID number printed in the 证件号码 field of the holder's own document. */
  idNumber: string;
  style: 1 | 2;
  /** e.g. 一级注册建筑师职业资格 */
  title: string;
  titleEn: string;
  /** Style 2: 具有{competence}的职业水平和能力 */
  competence?: string;
  /** Approving (style 1) or supervising (style 2) departments, in print order. */
  departments: string[];
  /** Issuing body name (printed in style 2's paragraph). */
  issuingBodyName: string;
  seal: SealSpec & { fullName: string };
  /** URL encoded in the QR code. */
  verifyUrl: string;
  /** Issue 15 (加注): the purpose's printed names, when data.annotation is set. */
  annotationPurpose?: { zh: string; en: string };
}
