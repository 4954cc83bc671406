import type { IssueRequest } from '../../core/types';
import { buildCertificateDocument, type BuiltCertificate, type DocumentDeps } from '../../issue/buildCertificateDocument';

/** Where certificate documents are rendered and signed: in this thread, or in a pool of worker threads. */
export interface DocumentBuilder {
  build(req: IssueRequest, ids: { managementNo: string; version: number; signingTime: Date; annotation?: import('../../core/types').AnnotationData }, publicUrl: string): Promise<BuiltCertificate>;
  /**
   * The caller is done with this document's bytes (they are in the registry): a builder that
   * made them in another thread may take them back at once (RenderPool.release). Nothing may
   * read `pdf` afterwards.
   */
  release(pdf: Uint8Array): void;
  close(): Promise<void>;
}

export class InProcessBuilder implements DocumentBuilder {
  constructor(private readonly deps: Omit<DocumentDeps, 'publicUrl'>) {}
  build(req: IssueRequest, ids: { managementNo: string; version: number; signingTime: Date; annotation?: import('../../core/types').AnnotationData }, publicUrl: string): Promise<BuiltCertificate> {
    return buildCertificateDocument(req, ids, { ...this.deps, publicUrl });
  }
  release(): void {
    // made in this thread: its collector frees them
  }
  async close(): Promise<void> {}
}
