import type { Catalog } from '../catalog/Catalog';
import type { CertificateRecord } from '../registry/RegistryStore';

/**
 * Whether a holder may still download the un-annotated original (issue 15): not when the issuing
 * body's `annotatedCopiesOnlyFrom` (templates/catalog.json) is on or before the certificate's
 * 制发日期 (CPTA: certificates issued from 2021-12-17 are used only as annotated copies).
 */
export function originalDownloadAllowed(record: Pick<CertificateRecord, 'issuerBody' | 'issueDate'>, catalog: Catalog): boolean {
  let from: string | undefined;
  try {
    from = catalog.body(record.issuerBody).annotatedCopiesOnlyFrom;
  } catch {
    return true;
  }
  return !from || record.issueDate < from;
}
