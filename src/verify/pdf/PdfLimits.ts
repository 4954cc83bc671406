/** Bounds of the PDF reader: whatever the input, parsing ends within these. */
export interface PdfLimits {
  /** Largest file accepted. */
  maxFileBytes: number;
  /** Deepest nesting of arrays and dictionaries. */
  maxDepth: number;
  /** Most elements in one array or dictionary. */
  maxCollectionEntries: number;
  /** Most objects in the cross-reference table. */
  maxObjects: number;
  /** Most bytes one stream may inflate to. */
  maxInflatedStream: number;
  /** Most bytes all inflated streams together. */
  maxInflatedTotal: number;
  /** Most tokens read in the whole parse: nothing can loop or run long. */
  maxTokens: number;
  /** Most objects followed through references from the catalog. */
  maxObjectVisits: number;
  /** Most entries a DSS may hold across /Certs /OCSPs /CRLs (ETSI EN 319 142-1 §5.4.2). */
  maxDssEntries: number;
}

export const DEFAULT_PDF_LIMITS: PdfLimits = {
  maxFileBytes: 5 * 1024 * 1024,
  maxDepth: 64,
  maxCollectionEntries: 100_000,
  maxObjects: 100_000,
  maxInflatedStream: 1024 * 1024,
  maxInflatedTotal: 4 * 1024 * 1024,
  maxTokens: 2_000_000,
  maxObjectVisits: 10_000,
  maxDssEntries: 512,
};
