import { describe, expect, it } from 'vitest';
import { makeTestServices } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { freshSchemaUrl, postgresAvailable } from '../helpers/postgres';
import { BatchWorker } from '../../src/issue/batch/BatchWorker';
import { submitBatch } from '../../src/issue/batch/submitBatch';

const pgUp = await postgresAvailable();

/**
 * Issue #4: with PostgreSQL, batch work is shared by every running instance. Two service
 * instances (each its own pool, workers and render path) on one database: both take rows,
 * every row is issued exactly once, and the numbers never collide.
 */
describe.skipIf(!pgUp)('two instances on one PostgreSQL', () => {
  it('share a batch: both issue rows, each row exactly once', async () => {
    const schema = await freshSchemaUrl();
    const a = await makeTestServices({ databaseUrl: schema.url });
    const b = await makeTestServices({ databaseUrl: schema.url });
    try {
      const q = a.s.catalog.list().find((x) => x.style === 2)!;
      const issuer = { id: 'iss_two', bodyCode: q.issuingBody, name: 't', qualifications: [q.code] };
      await a.s.registry.createIssuer({ ...issuer, keyHash: 'two', actor: 'test', now: new Date() });
      const rows = 240;
      const body = Buffer.from(JSON.stringify(Array.from({ length: rows }, (_, i) => issueBody(q.code, 3000 + i))));
      const { batchId } = await submitBatch(body, 'application/json', issuer, a.s);
      const counts = { a: 0, b: 0 };
      const wa = new BatchWorker(a.s, { batchId, untilEmpty: true, claim: 4, onRow: () => counts.a++ }).start();
      const wb = new BatchWorker(b.s, { batchId, untilEmpty: true, claim: 4, onRow: () => counts.b++ }).start();
      await Promise.all([wa.done(), wb.done()]);
      expect(counts.a + counts.b).toBe(rows);
      expect(counts.a).toBeGreaterThan(0);
      expect(counts.b).toBeGreaterThan(0);
      const status = await b.s.registry.getBatch(batchId);
      expect(status).toMatchObject({ total: rows, done: rows, failed: 0, pending: 0 });
      const numbers = [];
      for await (const x of a.s.registry.listBatchCertificates(batchId)) numbers.push(x.managementNo);
      expect(new Set(numbers).size).toBe(rows);
      expect((await a.s.registry.verifyAudit()).ok).toBe(true);
    } finally {
      await a.close();
      await b.close();
      await schema.drop();
    }
  });
});
