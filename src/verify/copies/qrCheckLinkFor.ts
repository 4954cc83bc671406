import type { KeyObject } from 'node:crypto';
import type { RegistryStore } from '../../registry/RegistryStore';
import type { CertificateData } from '../../core/types';
import { certificateDigest, qrClaimsOf, signQrToken, verifyUrlFor } from '../../qr/qrToken';
import { embeddedDataOfStoredPdf } from '../embeddedData';

export interface QrCheckLinkDeps {
  registry: Pick<RegistryStore, 'getDocument'>;
  qrKey: { kid: string; privateKey: KeyObject };
  publicUrl: string;
}

/**
 * The `/v/{token}` link of a certificate document the registry holds (issue 11): the token is
 * signed over the facts of OUR stored document of that version (never over what an uploaded
 * copy claims), so it verifies exactly like the QR code printed on that document. An unknown
 * version falls back to the current one; an unknown 管理号 gives undefined.
 *
 * With `claimed` (the data found in an uploaded copy), a link is only given when the copy's facts
 * are exactly those of our stored document (same certificate digest): a crafted file naming some
 * 管理号 learns nothing it did not already contain (no enumeration of holders by number).
 */
export function qrCheckLinkFor(deps: QrCheckLinkDeps) {
  return async (managementNo: string, version?: number, claimed?: CertificateData): Promise<string | undefined> => {
    const doc = (version ? await deps.registry.getDocument(managementNo, version) : undefined) ?? (claimed ? undefined : await deps.registry.getDocument(managementNo));
    const data = doc ? embeddedDataOfStoredPdf(doc.pdf) : undefined;
    if (!data || data.managementNo !== managementNo) return undefined;
    if (claimed && certificateDigest(claimed) !== certificateDigest(data)) return undefined;
    return verifyUrlFor(deps.publicUrl, await signQrToken(qrClaimsOf(data), deps.qrKey));
  };
}

