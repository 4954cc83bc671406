import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { issueTwoPhase } from '../../src/issue/issueTwoPhase';
import { openRegistry } from '../../src/registry/openRegistry';
import { PostgresStore } from '../../src/registry/PostgresStore';
import type { NewAnnotation, RegistryStore } from '../../src/registry/RegistryStore';
import { postgresAvailable, TEST_DATABASE_URL } from '../helpers/postgres';
import { builtDocument, record } from './storeContract';

/**
 * Issue 15 (加注): the registry half of annotated copies, on both engines. The limit of 3 valid
 * annotations holds under concurrent creations (PostgreSQL: two stores on one schema), expired
 * and withdrawn ones do not count, creation and withdrawal are audited.
 */
const now = new Date('2025-09-01T02:00:00.000Z');

function copy(no: string, n: number, over: Partial<NewAnnotation> = {}): NewAnnotation {
  const pdf = Buffer.from(`%PDF-1.7\n% annotated copy ${no} ${n} ${randomBytes(4).toString('hex')}\n%%EOF\n`);
  return {
    id: `an_${no}_${n}`,
    managementNo: no,
    version: 1,
    purpose: 'self-use',
    validUntil: '2025-09-30',
    today: '2025-09-01',
    maxValid: 3,
    pdf,
    sha256: createHash('sha256').update(pdf).digest('hex'),
    actor: 'holder',
    now,
    ...over,
  };
}

async function issue(store: RegistryStore, i: number): Promise<string> {
  const r = await issueTwoPhase(store, {
    dedupKey: `a${i}`,
    year: 2025,
    qualificationSerial: 39,
    record: record(i),
    build: async (no) => builtDocument(no, 1, String(i)),
    actor: 'iss_1',
    now,
  });
  return r.record.managementNo;
}

function annotationContract(name: string, open: () => Promise<{ store: RegistryStore; another: () => Promise<RegistryStore>; close: () => Promise<void> }>) {
  describe(`annotations in the registry: ${name}`, () => {
    it('creates, lists, finds by SHA-256, refuses a 4th valid one with the next possible date, withdraws', async () => {
      const h = await open();
      try {
        const no = await issue(h.store, 1);
        const a1 = await h.store.createAnnotation(copy(no, 1, { validUntil: '2025-09-10' }));
        expect(a1).toMatchObject({ id: `an_${no}_1`, managementNo: no, version: 1, purpose: 'self-use', validUntil: '2025-09-10', status: 'active' });
        await h.store.createAnnotation(copy(no, 2, { validUntil: '2025-09-05' }));
        const c3 = copy(no, 3, { validUntil: '2025-11-29' });
        await h.store.createAnnotation(c3);
        const err = await h.store.createAnnotation(copy(no, 4)).catch((e) => e);
        expect(err.code).toBe('ERR_ANNOTATION_LIMIT');
        expect(err.details).toMatchObject({ validAnnotations: 3, max: 3, nextPossible: '2025-09-06' });
        expect(err.bilingual.en).toContain('2025-09-06');
        // the day after the earliest end date, that one no longer counts
        const later = await h.store.createAnnotation(copy(no, 5, { today: '2025-09-06', now: new Date('2025-09-06T01:00:00Z') }));
        expect(later.status).toBe('active');
        expect((await h.store.findAnnotationBySha256(c3.sha256))?.id).toBe(c3.id);
        expect(await h.store.findAnnotationBySha256('0'.repeat(64))).toBeUndefined();
        expect((await h.store.listAnnotations(no)).map((a) => a.id)).toEqual([`an_${no}_5`, `an_${no}_1`, `an_${no}_2`, `an_${no}_3`]);
        // withdrawing frees a place; another certificate's id is not found
        const other = await issue(h.store, 2);
        expect((await h.store.withdrawAnnotation({ id: c3.id, managementNo: other, actor: 'holder', now }).catch((e) => e)).code).toBe('ERR_NOT_FOUND');
        const w = await h.store.withdrawAnnotation({ id: c3.id, managementNo: no, actor: 'holder', now: new Date('2025-09-06T02:00:00Z') });
        expect(w).toMatchObject({ status: 'withdrawn', withdrawnAt: '2025-09-06T02:00:00.000Z' });
        expect((await h.store.withdrawAnnotation({ id: c3.id, managementNo: no, actor: 'holder', now })).withdrawnAt).toBe('2025-09-06T02:00:00.000Z');
        await h.store.createAnnotation(copy(no, 6, { today: '2025-09-06' }));
        // the same bytes twice are refused by the UNIQUE sha256
        await expect(h.store.createAnnotation({ ...copy(other, 7), sha256: c3.sha256, pdf: c3.pdf })).rejects.toThrow();
        const audit = await h.store.verifyAudit();
        expect(audit.ok).toBe(true);
      } finally {
        await h.close();
      }
    });

    it('refuses a revoked certificate and a version that is no longer current; checks the hash', async () => {
      const h = await open();
      try {
        const no = await issue(h.store, 3);
        expect((await h.store.createAnnotation(copy(no, 1, { version: 2 })).catch((e) => e)).code).toBe('ERR_CONCURRENT_UPDATE');
        expect((await h.store.createAnnotation({ ...copy(no, 1), sha256: '0'.repeat(64) }).catch((e) => e)).code).toBe('ERR_INTERNAL');
        await h.store.revoke({ managementNo: no, reason: 'test', actor: 'iss_1', now });
        expect((await h.store.createAnnotation(copy(no, 2)).catch((e) => e)).code).toBe('ERR_CERTIFICATE_REVOKED');
        expect((await h.store.createAnnotation(copy('2025039000099X', 2)).catch((e) => e)).code).toBe('ERR_NOT_FOUND');
        expect(await h.store.listAnnotations(no)).toEqual([]);
      } finally {
        await h.close();
      }
    });

    it('never exceeds 3 valid annotations under concurrent creations from two store instances', async () => {
      const h = await open();
      const other = await h.another();
      try {
        const no = await issue(h.store, 4);
        const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => (i % 2 ? other : h.store).createAnnotation(copy(no, 10 + i))));
        const ok = results.filter((r) => r.status === 'fulfilled');
        const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code?: string }).code] : []));
        expect(ok).toHaveLength(3);
        expect(codes).toEqual(Array(5).fill('ERR_ANNOTATION_LIMIT'));
        expect(await h.store.listAnnotations(no)).toHaveLength(3);
      } finally {
        await other.close();
        await h.close();
      }
    });
  });
}

annotationContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-annot-'));
  const store = await openRegistry({ dataDir: dir });
  await store.migrate();
  return {
    store,
    another: async () => {
      const s = await openRegistry({ dataDir: dir });
      return s;
    },
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const pgUp = await postgresAvailable();
if (pgUp) {
  annotationContract('PostgreSQL', async () => {
    const schema = `ecert_annot_${randomBytes(4).toString('hex')}`;
    const store = await openRegistry({ dataDir: '/nonexistent', databaseUrl: TEST_DATABASE_URL, schema });
    await store.migrate();
    return {
      store,
      another: async () => new PostgresStore({ connectionString: TEST_DATABASE_URL, schema }),
      close: async () => {
        await store.close();
        const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      },
    };
  });
}
