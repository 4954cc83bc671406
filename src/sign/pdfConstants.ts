/**
 * PDF signature constants, each with the clause it comes from.
 */

/** ETSI EN 319 142-1 §5.1 (PAdES baseline): SubFilter of a CAdES-detached signature. */
export const SUB_FILTER = 'ETSI.CAdES.detached';

/** ISO 32000-1 §12.7.2 table 219: SigFlags 1 (SignaturesExist) | 2 (AppendOnly). */
export const SIG_FLAGS_SIGNATURES_EXIST_APPEND_ONLY = 3;

/** ISO 32000-1 §12.5.3 table 165: annotation flags Print (4) | Locked (128). */
export const ANNOT_FLAGS_PRINT_LOCKED = 132;

/** Name of our single signature field (the visible seal). */
export const SIG_FIELD_NAME = 'ecert-seal';

/** Name of the embedded machine-readable certificate data (see src/render/renderCertificate). */
export const EMBEDDED_DATA_NAME = 'ecert-certificate.json';

/** SubFilter of a document timestamp (ETSI EN 319 142-1 §5.5; ISO 32000-2 §12.8.5). */
export const DOC_TIMESTAMP_SUB_FILTER = 'ETSI.RFC3161';

/** Prefix of the names of our document-timestamp fields (one per LTV revision). */
export const DOC_TIMESTAMP_FIELD_PREFIX = 'ecert-doc-timestamp-';
