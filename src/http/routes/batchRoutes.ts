import express, { Router } from 'express';
import yazl from 'yazl';
import { once } from 'node:events';
import type { Services } from '../../services';
import { EcertError } from '../../core/errors';
import { submitBatch } from '../../issue/batch/submitBatch';
import { requireIssuer } from '../auth';

/** Batches: submit CSV/JSON (202), follow progress, download the issued PDFs as one ZIP stream. */
export function batchRoutes(s: Services): Router {
  const r = Router();
  r.use('/api/v1/batches', requireIssuer(s.registry));
  const raw = express.raw({ type: () => true, limit: s.config.maxBatchBytes });

  r.post('/api/v1/batches', raw, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { batchId, total, existing } = await submitBatch(body, req.get('content-type') ?? '', req.issuer!, s);
    res.status(existing ? 200 : 202).location(`/api/v1/batches/${batchId}`).json({ batchId, total, links: { self: `/api/v1/batches/${batchId}`, zip: `/api/v1/batches/${batchId}/zip` } });
  });

  // failed rows page by page: `?errorsAfter=<errorsNext of the previous page>`
  r.get('/api/v1/batches/:id', async (req, res) => {
    const errorsAfter = req.query.errorsAfter === undefined ? 0 : Number(req.query.errorsAfter);
    if (!Number.isSafeInteger(errorsAfter) || errorsAfter < 0) throw new EcertError('ERR_VALIDATION', { details: { field: 'errorsAfter' } });
    const batch = await ownBatch(String(req.params.id), req.issuer!.id, s, errorsAfter);
    const self = `/api/v1/batches/${batch.id}`;
    res.set('Cache-Control', 'no-store').json({ ...batch, links: { self, ...(batch.errorsNext !== undefined ? { nextErrors: `${self}?errorsAfter=${batch.errorsNext}` } : {}) } });
  });

  r.get('/api/v1/batches/:id/zip', async (req, res) => {
    const batch = await ownBatch(String(req.params.id), req.issuer!.id, s);
    const zip = new yazl.ZipFile();
    res.status(200).type('application/zip').set('Content-Disposition', `attachment; filename="${batch.id}.zip"`);
    zip.outputStream.pipe(res);
    // a client that goes away ends the loop at once, also while it waits for 'drain'
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    try {
      for await (const { rowNo, managementNo } of s.registry.listBatchCertificates(batch.id)) {
        if (gone.signal.aborted) break;
        const doc = await s.registry.getDocument(managementNo);
        if (!doc) continue;
        // PDFs are already compressed: store them (ZIP method 0).
        zip.addBuffer(doc.pdf, `${String(rowNo).padStart(6, '0')}-${managementNo}.pdf`, { compress: false, mtime: new Date(batch.createdAt) });
        if (res.writableNeedDrain) await once(res, 'drain', { signal: gone.signal });
      }
    } catch (e) {
      if (!gone.signal.aborted) throw e;
    }
    if (gone.signal.aborted) {
      zip.outputStream.unpipe(res);
      (zip.outputStream as unknown as import('node:stream').Readable).destroy();
      return;
    }
    zip.end();
  });
  return r;
}

async function ownBatch(id: string, issuerId: string, s: Services, errorsAfter?: number) {
  const batch = /^b_[0-9a-f]{32}$/.test(id) ? await s.registry.getBatch(id, { errorsAfter }) : undefined;
  if (!batch || batch.issuerId !== issuerId) throw new EcertError('ERR_NOT_FOUND');
  return batch;
}
