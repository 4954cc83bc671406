import { parseBoundedJson } from '../core/boundedJson';
import type { CertificateData } from '../core/types';
import { EMBEDDED_DATA_NAME } from '../sign/pdfConstants';
import { inspectSignatures } from './pdf/inspectSignatures';

/** Format tag of the certificate data src/render/renderCertificate embeds as EMBEDDED_DATA_NAME. */
export const EMBEDDED_DATA_FORMAT = 'ecert-certificate/1';
const MAX_JSON = 64 * 1024;

/** Parse the embedded certificate JSON; undefined unless it has our format and every required field. */
export function parseEmbeddedData(json: Buffer | string | undefined): CertificateData | undefined {
  if (!json || json.length > MAX_JSON) return undefined;
  try {
    const d = parseBoundedJson(typeof json === 'string' ? json : json.toString('utf8'), 4) as Record<string, unknown>;
    const strings = ['managementNo', 'qualification', 'holderName', 'idNumberMasked', 'approvalDate', 'issueDate', 'sealId'];
    if (d?.format !== EMBEDDED_DATA_FORMAT || !strings.every((k) => typeof d[k] === 'string') || typeof d.version !== 'number') return undefined;
    const { format: _format, ...data } = d;
    return data as unknown as CertificateData;
  } catch {
    return undefined;
  }
}

/** The certificate data embedded in one of OUR stored PDFs (trusted: the registry's own bytes). */
export function embeddedDataOfStoredPdf(pdf: Buffer): CertificateData | undefined {
  try {
    return parseEmbeddedData(inspectSignatures(pdf).embeddedFiles.get(EMBEDDED_DATA_NAME));
  } catch {
    return undefined;
  }
}
