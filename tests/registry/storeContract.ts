import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BuiltDocument, NewRecord, RegistryStore } from '../../src/registry/RegistryStore';
import { isValidManagementNo } from '../../src/registry/managementNumber';

/**
 * The contract every registry engine must keep. Run by sqliteStore.test.ts and
 * postgresStore.test.ts against a fresh database each.
 */
export function storeContract(name: string, open: () => Promise<{ store: RegistryStore; tamper(sql: string): Promise<void>; close(): Promise<void> }>) {
  const now = new Date('2025-08-15T02:00:00Z');
  const record = (i: number): NewRecord => ({
    qualification: 'tax-adviser',
    holderName: `持证人${i}`,
    idType: 'resident-id',
    idNumberMasked: '110105********002X',
    idNumberDigest: createHash('sha256').update(String(i)).digest('hex'),
    sex: '女',
    birth: '1990-01',
    approvalDate: '2025-06-30',
    issueDate: '2025-08-15',
    issuerBody: 'cctaa',
    issuerId: 'iss_1',
  });
  const build = (tag: string) => async (no: string): Promise<BuiltDocument> => {
    const pdf = Buffer.from(`%PDF-1.7 ${no} ${tag}`);
    return { pdf, sha256: createHash('sha256').update(pdf).digest('hex'), data: {} as BuiltDocument['data'] };
  };
  const issueOne = (store: RegistryStore, i: number, extra: Partial<Parameters<RegistryStore['issue']>[0]> = {}) =>
    store.issue({ dedupKey: `k${i}`, year: 2025, qualificationSerial: 39, record: record(i), build: build(String(i)), actor: 'iss_1', now, ...extra });

  describe(`registry store contract: ${name}`, () => {
    it('migrates twice without harm, issues with a valid 管理号, stores the exact bytes', async () => {
      const { store, close } = await open();
      try {
        await store.migrate();
        const { created, record: r } = await issueOne(store, 1);
        expect(created).toBe(true);
        expect(isValidManagementNo(r.managementNo)).toBe(true);
        expect(r.managementNo.slice(0, 7)).toBe('2025039');
        const doc = await store.getDocument(r.managementNo);
        expect(doc!.pdf.toString()).toBe(`%PDF-1.7 ${r.managementNo} 1`);
        expect(await store.findDocumentBySha256(doc!.sha256)).toEqual({ managementNo: r.managementNo, version: 1, superseded: false });
      } finally {
        await close();
      }
    });

    it('does not issue the same dedup key twice, and concurrent issuances get distinct numbers', async () => {
      const { store, close } = await open();
      try {
        const a = await issueOne(store, 2);
        let built = false;
        const b = await issueOne(store, 2, { build: async (no) => ((built = true), build('x')(no)) });
        expect(b.created).toBe(false);
        expect(built).toBe(false);
        expect(b.record.managementNo).toBe(a.record.managementNo);
        const many = await Promise.all(Array.from({ length: 50 }, (_, i) => issueOne(store, 100 + i)));
        expect(new Set(many.map((m) => m.record.managementNo)).size).toBe(50);
        const same = await Promise.all(Array.from({ length: 5 }, () => issueOne(store, 999)));
        expect(new Set(same.map((m) => m.record.managementNo)).size).toBe(1);
        expect(same.filter((m) => m.created)).toHaveLength(1);
      } finally {
        await close();
      }
    });

    it('writes nothing when build fails', async () => {
      const { store, close } = await open();
      try {
        let drawn = '';
        await expect(issueOne(store, 3, { build: async (no) => ((drawn = no), Promise.reject(new Error('signer down'))) })).rejects.toThrow('signer down');
        expect(await store.getCertificate(drawn)).toBeUndefined();
        const again = await issueOne(store, 3);
        expect(again.created).toBe(true);
        expect(again.record.managementNo).not.toBe(drawn); // numbers are never reused
      } finally {
        await close();
      }
    });

    it('re-issues under the same number, superseding the old document; revokes with who, when, why', async () => {
      const { store, close } = await open();
      try {
        const { record: r } = await issueOne(store, 4);
        const old = (await store.getDocument(r.managementNo))!;
        const re = await store.reissue({ managementNo: r.managementNo, changes: { holderName: '新名' }, build: async (no, v) => build(`v${v}`)(no), actor: 'iss_1', now, reason: '更名' });
        expect(re).toMatchObject({ currentVersion: 2, holderName: '新名', managementNo: r.managementNo });
        expect(await store.findDocumentBySha256(old.sha256)).toMatchObject({ version: 1, superseded: true });
        expect((await store.getDocument(r.managementNo))!.version).toBe(2);
        expect((await store.getDocument(r.managementNo, 1))!.sha256).toBe(old.sha256);
        const rv = await store.revoke({ managementNo: r.managementNo, reason: '违纪', actor: 'iss_9', now });
        expect(rv).toMatchObject({ status: 'revoked', revokedBy: 'iss_9', revocationReason: '违纪', revokedAt: now.toISOString() });
        await expect(store.revoke({ managementNo: r.managementNo, reason: 'again', actor: 'x', now })).rejects.toMatchObject({ code: 'ERR_CERTIFICATE_REVOKED' });
      } finally {
        await close();
      }
    });

    it('keeps issuers by key hash only', async () => {
      const { store, close } = await open();
      try {
        await store.createIssuer({ id: 'iss_a', bodyCode: 'cctaa', name: 'A', qualifications: ['tax-adviser'], keyHash: 'h1', actor: 'cli', now });
        expect(await store.findIssuerByKeyHash('h1')).toEqual({ id: 'iss_a', bodyCode: 'cctaa', name: 'A', qualifications: ['tax-adviser'] });
        expect(await store.findIssuerByKeyHash('nope')).toBeUndefined();
      } finally {
        await close();
      }
    });

    it('hands batch rows to concurrent claimers exactly once, reclaims expired leases, counts progress', async () => {
      const { store, close } = await open();
      try {
        await store.createIssuer({ id: 'iss_b', bodyCode: 'cctaa', name: 'B', qualifications: [], keyHash: 'hb', actor: 'cli', now });
        await store.createBatch({ id: 'b1', issuerId: 'iss_b', rows: Array.from({ length: 300 }, (_, i) => ({ rowNo: i + 1, payload: { i } })), now });
        const claims = await Promise.all(Array.from({ length: 6 }, (_, w) => store.claimBatchRows({ batchId: 'b1', limit: 60, workerId: `w${w}`, now, leaseMs: 60_000 })));
        const rows = claims.flat().map((r) => r.rowNo);
        expect(new Set(rows).size).toBe(rows.length);
        expect(rows.length).toBe(300);
        expect(claims.flat()[0]).toMatchObject({ batchId: 'b1', issuerId: 'iss_b' });
        expect(await store.claimBatchRows({ batchId: 'b1', limit: 10, workerId: 'late', now, leaseMs: 60_000 })).toEqual([]);
        const later = new Date(now.getTime() + 61_000);
        expect(await store.claimBatchRows({ batchId: 'b1', limit: 500, workerId: 'w9', now: later, leaseMs: 60_000 })).toHaveLength(300);
        await issueOne(store, 5, { batchRow: { batchId: 'b1', rowNo: 1 } });
        await store.failBatchRow({ batchId: 'b1', rowNo: 2, code: 'ERR_SEX', message: 'bad' });
        const st = await store.getBatch('b1');
        expect(st).toMatchObject({ total: 300, done: 1, failed: 1, pending: 298, errors: [{ row: 2, code: 'ERR_SEX', message: 'bad' }] });
        const listed = [];
        for await (const x of store.listBatchCertificates('b1')) listed.push(x);
        expect(listed).toHaveLength(1);
        await store.releaseBatchLeases('b1');
        expect(await store.claimBatchRows({ batchId: 'b1', limit: 500, workerId: 'w10', now: later, leaseMs: 60_000 })).toHaveLength(298);
      } finally {
        await close();
      }
    });

    it('chains the audit log and detects a changed or deleted row', async () => {
      const { store, tamper, close } = await open();
      try {
        await issueOne(store, 6);
        await store.appendAudit({ actor: 'a', action: 'x.test', target: 't', details: { n: 1 }, now });
        await store.appendAudit({ actor: 'a', action: 'x.test', target: 't2', now });
        const ok = await store.verifyAudit();
        expect(ok.ok).toBe(true);
        expect(ok.entries).toBeGreaterThanOrEqual(3);
        await tamper(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`);
        expect(await store.verifyAudit()).toMatchObject({ ok: false, firstBadSeq: 2 });
        await tamper(`UPDATE audit_log SET actor = 'a' WHERE seq = 2`);
        expect((await store.verifyAudit()).ok).toBe(true);
        await tamper(`DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)`);
        expect((await store.verifyAudit()).ok).toBe(false);
      } finally {
        await close();
      }
    });
  });
}
