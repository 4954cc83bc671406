import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CertificateData } from '../../src/core/types';
import { BATCH_ERRORS_LISTED, type BuiltDocument, type NewRecord, type RegistryStore } from '../../src/registry/RegistryStore';
import { issueTwoPhase, type TwoPhaseArgs } from '../../src/issue/issueTwoPhase';
import { auditHash, GENESIS_HASH } from '../../src/registry/auditChain';
import { isSampleManagementNo, isValidManagementNo, parseManagementNo, SAMPLE_SEQ_FROM } from '../../src/registry/managementNumber';

export type Row = Record<string, unknown>;

/** One database for one test: the store, a second instance on the same database, raw SQL. */
export interface StoreHarness {
  store: RegistryStore;
  /** Another store on the same database (PostgreSQL: another pool; SQLite: another store on the file). */
  another(): Promise<RegistryStore>;
  /** Raw SQL outside the store (tampering, inspection). */
  sql(statement: string): Promise<Row[]>;
  /** Raw SQL that turns the append-only triggers of audit_log off. */
  disableAuditGuard: string;
  close(): Promise<void>;
}

const now = new Date('2025-08-15T02:00:00.000Z');
const SERIAL = 39;

export const record = (i: number, over: Partial<NewRecord> = {}): NewRecord => ({
  qualification: 'tax-adviser',
  holderName: `持证人${i}`,
  idType: 'resident-id',
  idNumberMasked: '110105********002X',
  idNumberDigest: createHash('sha256').update(`id-${i}`).digest('hex'),
  sex: '女',
  birth: '1990-01',
  approvalDate: '2025-06-30',
  issueDate: '2025-08-15',
  issuerBody: 'cctaa',
  issuerId: 'iss_1',
  ...over,
});

/** A stand-in for render + sign: distinct bytes per 管理号, version and tag, with their hash. */
export function builtDocument(managementNo: string, version: number, tag: string): BuiltDocument {
  const pdf = Buffer.from(`%PDF-1.7\n% ${managementNo} v${version} ${tag}\n%%EOF\n`);
  const data: CertificateData = {
    managementNo,
    version,
    qualification: 'tax-adviser',
    holderName: tag,
    idType: 'resident-id',
    idNumberMasked: '110105********002X',
    sex: '女',
    birth: '1990-01',
    approvalDate: '2025-06-30',
    issueDate: '2025-08-15',
    issuer: { code: 'cctaa', name: '中国注册税务师协会' },
    sealId: 'cctaa',
  };
  return { pdf, sha256: createHash('sha256').update(pdf).digest('hex'), data };
}

const issueOne = (store: RegistryStore, i: number, extra: Partial<TwoPhaseArgs> = {}) =>
  issueTwoPhase(store, {
    dedupKey: `k${i}`,
    year: 2025,
    qualificationSerial: SERIAL,
    record: record(i),
    build: async (no) => builtDocument(no, 1, String(i)),
    actor: 'iss_1',
    now,
    ...extra,
  });

const seqOf = (no: string) => parseManagementNo(no)!.seq;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function count(h: StoreHarness, sql: string): Promise<number> {
  return Number((await h.sql(sql))[0].n);
}

/**
 * The contract every registry engine keeps. Run by sqliteStore.test.ts and postgresStore.test.ts,
 * each test on a fresh, migrated database.
 */
export function storeContract(name: string, open: () => Promise<StoreHarness>): void {
  const withStore = (fn: (h: StoreHarness) => Promise<void>) => async () => {
    const h = await open();
    try {
      await fn(h);
    } finally {
      await h.close();
    }
  };

  describe(`registry store contract: ${name}`, () => {
    it(
      'migrates idempotently, also with two instances at once',
      withStore(async (h) => {
        const other = await h.another();
        try {
          await Promise.all([h.store.migrate(), other.migrate(), h.store.migrate()]);
          expect((await h.sql('SELECT version, name FROM schema_migrations ORDER BY version')).slice(0, 2)).toEqual([{ version: 1, name: 'registry' }, { version: 2, name: 'two-phase issuance' }]);
          await h.store.ping();
        } finally {
          await other.close();
        }
      }),
    );

    it(
      'issues: a valid 管理号 for (year, serial), the exact bytes, the record, an audit entry',
      withStore(async (h) => {
        const { created, record: r } = await issueOne(h.store, 1);
        expect(created).toBe(true);
        expect(isValidManagementNo(r.managementNo)).toBe(true);
        expect(parseManagementNo(r.managementNo)).toEqual({ year: 2025, qualificationSerial: SERIAL, seq: 1 });
        expect(r).toEqual({
          managementNo: r.managementNo,
          ...record(1),
          status: 'valid',
          currentVersion: 1,
          createdAt: now.toISOString(),
          documents: [{ version: 1, sha256: builtDocument(r.managementNo, 1, '1').sha256, createdAt: now.toISOString() }],
        });
        expect(await h.store.getCertificate(r.managementNo)).toEqual(r);
        const doc = (await h.store.getDocument(r.managementNo))!;
        expect(doc.pdf.equals(builtDocument(r.managementNo, 1, '1').pdf)).toBe(true);
        expect(createHash('sha256').update(doc.pdf).digest('hex')).toBe(doc.sha256);
        expect(await h.store.findDocumentBySha256(doc.sha256)).toEqual({ managementNo: r.managementNo, version: 1, superseded: false });
        expect(await h.store.findDocumentBySha256('0'.repeat(64))).toBeUndefined();
        expect(await h.store.getCertificate('202503900000028')).toBeUndefined();
        const audit = await h.sql('SELECT actor, action, target FROM audit_log ORDER BY seq');
        expect(audit).toEqual([{ actor: 'iss_1', action: 'certificate.issue', target: r.managementNo }]);
        // a second qualification and a second year have their own sequences
        const other = await issueOne(h.store, 2, { qualificationSerial: 7 });
        const nextYear = await issueOne(h.store, 3, { year: 2026 });
        const again = await issueOne(h.store, 4);
        expect([other, nextYear, again].map((x) => parseManagementNo(x.record.managementNo))).toEqual([
          { year: 2025, qualificationSerial: 7, seq: 1 },
          { year: 2026, qualificationSerial: SERIAL, seq: 1 },
          { year: 2025, qualificationSerial: SERIAL, seq: 2 },
        ]);
      }),
    );

    it(
      'never issues a dedup key twice; 50 concurrent issues on two instances get 50 gapless numbers',
      withStore(async (h) => {
        const a = await issueOne(h.store, 2);
        let built = 0;
        const b = await issueOne(h.store, 2, { build: async (no) => (built++, builtDocument(no, 1, 'dup')) });
        expect(b).toEqual({ created: false, record: a.record });
        expect(built).toBe(0);

        const other = await h.another();
        try {
          const many = await Promise.all(range(100, 50).map((i) => issueOne(i % 2 ? other : h.store, i)));
          expect(many.every((m) => m.created)).toBe(true);
          // numbers 2..51: distinct and without gaps (each drawn in its own short reserve transaction)
          expect(sorted(many.map((m) => seqOf(m.record.managementNo)))).toEqual(range(2, 50));

          const same = await Promise.all(range(0, 6).map((j) => issueOne(j % 2 ? other : h.store, 999)));
          expect(new Set(same.map((m) => m.record.managementNo)).size).toBe(1);
          expect(same.filter((m) => m.created)).toHaveLength(1);
          expect(await count(h, 'SELECT COUNT(*) AS n FROM certificates')).toBe(52);
          expect(await count(h, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'certificate.issue'")).toBe(52);
          // the concurrent duplicates that drew a number before the winner committed: void, with the reason
          const voided = await h.sql("SELECT management_no, void_reason FROM management_numbers WHERE state = 'void'");
          for (const v of voided) expect(String(v.void_reason)).toContain(`committed concurrently as ${same[0].record.managementNo}`);
          const account = await h.store.accountNumbers(now);
          expect(account).toMatchObject({ ok: true, issued: 52, void: voided.length, reserved: 0, drawn: 52 + voided.length, problems: [] });
          expect(await count(h, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'number.void'")).toBe(voided.length);
        } finally {
          await other.close();
        }
      }),
    );

    it(
      'a build that throws or a document that does not match: no certificate, the number recorded void with its reason, never reused',
      withStore(async (h) => {
        await issueOne(h.store, 1);
        await h.store.createIssuer({ id: 'iss_1', bodyCode: 'cctaa', name: 'A', qualifications: [], keyHash: 'h', actor: 'cli', now });
        await h.store.createBatch({ id: 'b', issuerId: 'iss_1', rows: [{ rowNo: 1, payload: { x: 1 } }], now });
        let drawn = '';
        await expect(
          issueOne(h.store, 3, { batchRow: { batchId: 'b', rowNo: 1 }, build: async (no) => ((drawn = no), Promise.reject(new Error('signer down'))) }),
        ).rejects.toThrow('signer down');
        expect(seqOf(drawn)).toBe(2);
        expect(await h.store.getCertificate(drawn)).toBeUndefined();
        await expect(issueOne(h.store, 3, { build: async (no) => ({ ...builtDocument(no, 1, 'x'), sha256: 'f'.repeat(64) }) })).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
        await expect(issueOne(h.store, 3, { build: async () => builtDocument('202503900000017', 1, 'x') })).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
        expect(await count(h, 'SELECT COUNT(*) AS n FROM certificates')).toBe(1);
        expect(await count(h, 'SELECT COUNT(*) AS n FROM documents')).toBe(1);
        const voids = await h.sql("SELECT seq, state, void_reason FROM management_numbers WHERE state <> 'issued' ORDER BY seq");
        expect(voids.map((v) => [Number(v.seq), v.state])).toEqual([[2, 'void'], [3, 'void'], [4, 'void']]);
        expect(String(voids[0].void_reason)).toBe('build failed: signer down');
        expect(String(voids[1].void_reason)).toMatch(/^commit failed: ERR_INTERNAL: .*sha256 does not match/);
        expect((await h.sql("SELECT target FROM audit_log WHERE action = 'number.void' ORDER BY seq")).map((r) => seqOf(String(r.target)))).toEqual([2, 3, 4]);
        expect(await h.store.getBatch('b')).toMatchObject({ done: 0, failed: 0, pending: 1 });
        // the next issue takes the next number: void numbers are never reused
        const ok = await issueOne(h.store, 3, { batchRow: { batchId: 'b', rowNo: 1 } });
        expect(seqOf(ok.record.managementNo)).toBe(5);
        expect(await h.store.getBatch('b')).toMatchObject({ done: 1, pending: 0 });
        expect(await h.store.accountNumbers(now)).toEqual({ ok: true, drawn: 5, issued: 2, void: 3, reserved: 0, expired: 0, problems: [] });
        expect((await h.store.verifyAudit()).ok).toBe(true);
      }),
    );

    it(
      'stores a recurring part of documents once and gives every document back byte for byte; the renderer\'s hint is checked, never trusted',
      withStore(async (h) => {
        // a stand-in for the cached font subset (SharedPart, src/core/types.ts): the same 6 KB in every document, at a varying offset
        const common = randomBytes(6000);
        const withPart = (no: string, tag: string, part = common, hint = createHash('sha256').update(common).digest('hex'), over: { offset?: number; length?: number } = {}) => {
          const head = Buffer.from(`%PDF-1.7\n% ${no} ${tag}\nstream\n`);
          const pdf = Buffer.concat([head, part, Buffer.from(`\nendstream\n% ${tag}\n%%EOF\n`)]);
          const b = builtDocument(no, 1, tag);
          return { ...b, pdf, sha256: createHash('sha256').update(pdf).digest('hex'), sharedPart: { offset: over.offset ?? head.length, length: over.length ?? part.length, sha256: hint } };
        };
        const built = new Map<string, Buffer>();
        const issue = (i: number, make: (no: string) => BuiltDocument) =>
          issueOne(h.store, i, { build: async (no) => { const b = make(no); built.set(no, Buffer.from(b.pdf)); return b; } });
        // a group of concurrent commits that brings the part, then one on its own that finds it known
        const first = await Promise.all(range(1, 4).map((i) => issue(i, (no) => withPart(no, `tag-${'x'.repeat(i)}`))));
        const later = await issue(9, (no) => withPart(no, 'later'));
        expect(await count(h, 'SELECT COUNT(*) AS n FROM document_parts')).toBe(1);
        for (const r of [...first, later]) {
          const no = r.record.managementNo;
          expect((await h.store.getDocument(no))!.pdf.equals(built.get(no)!)).toBe(true);
          const [row] = await h.sql(`SELECT length(pdf) AS n, part_sha256 FROM documents WHERE management_no = '${no}'`);
          expect(Number(row.n)).toBe(built.get(no)!.length - common.length);
          expect(row.part_sha256).toBe(createHash('sha256').update(common).digest('hex'));
        }
        // a hint naming the known part over other bytes: those bytes are a part of their own, hashed here
        const other = randomBytes(6000);
        const lied = await issue(10, (no) => withPart(no, 'lie', other));
        expect((await h.store.getDocument(lied.record.managementNo))!.pdf.equals(built.get(lied.record.managementNo)!)).toBe(true);
        expect((await h.sql(`SELECT part_sha256 FROM documents WHERE management_no = '${lied.record.managementNo}'`))[0].part_sha256).toBe(createHash('sha256').update(other).digest('hex'));
        // a span outside the file, or too short to be worth a row: the whole file in the documents row
        const outside = await issue(11, (no) => withPart(no, 'out', common, undefined, { length: 1_000_000 }));
        const short = await issue(12, (no) => withPart(no, 'short', randomBytes(100)));
        for (const r of [outside, short]) {
          const no = r.record.managementNo;
          expect(await h.sql(`SELECT length(pdf) AS n, part_sha256, part_offset FROM documents WHERE management_no = '${no}'`)).toEqual([{ n: built.get(no)!.length, part_sha256: null, part_offset: null }]);
          expect((await h.store.getDocument(no))!.pdf.equals(built.get(no)!)).toBe(true);
        }
        expect(await count(h, 'SELECT COUNT(*) AS n FROM document_parts')).toBe(2);
        // a re-issue stores its document the same way
        const re = await h.store.reissue({ managementNo: later.record.managementNo, expectedVersion: 1, changes: { holderName: '改' }, built: { ...withPart(later.record.managementNo, 're'), data: builtDocument(later.record.managementNo, 2, 're').data }, actor: 'iss_1', now, reason: 'r' });
        expect((await h.store.getDocument(re.managementNo))!.pdf.equals(withPart(re.managementNo, 're').pdf)).toBe(true);
        expect((await h.store.getDocument(re.managementNo, 1))!.pdf.equals(built.get(re.managementNo)!)).toBe(true);
        // two instances bringing the same new part at once: one row, every document whole
        const fresh = randomBytes(5000);
        const freshHint = createHash('sha256').update(fresh).digest('hex');
        const second = await h.another();
        try {
          const both = await Promise.all(
            range(20, 6).map((i) => issueTwoPhase(i % 2 ? second : h.store, { dedupKey: `k${i}`, year: 2025, qualificationSerial: SERIAL, record: record(i), actor: 'iss_1', now, build: async (no) => { const b = withPart(no, `both-${i}`, fresh, freshHint); built.set(no, Buffer.from(b.pdf)); return b; } })),
          );
          expect(await count(h, `SELECT COUNT(*) AS n FROM document_parts WHERE sha256 = '${freshHint}'`)).toBe(1);
          for (const r of both) expect((await h.store.getDocument(r.record.managementNo))!.pdf.equals(built.get(r.record.managementNo)!)).toBe(true);
        } finally {
          await second.close();
        }
        // storage that no longer joins to the document's hash is reported, never served
        await h.sql(`UPDATE documents SET part_offset = part_offset + 1 WHERE management_no = '${first[0].record.managementNo}'`);
        await expect(h.store.getDocument(first[0].record.managementNo)).rejects.toMatchObject({ code: 'ERR_INTERNAL', message: expect.stringContaining('does not match its SHA-256') });
        expect((await h.store.getDocument(first[1].record.managementNo))!.pdf.equals(built.get(first[1].record.managementNo)!)).toBe(true);
      }),
    );

    it(
      'never draws a 管理号 of the sample range (issue 12): the draw that would enter it fails and leaves nothing behind',
      withStore(async (h) => {
        const reserve = (dedupKey: string) => h.store.reserve({ dedupKey, year: 2025, qualificationSerial: SERIAL, actor: 'iss_1', now, leaseMs: 60_000 });
        await reserve('first');
        await h.sql(`UPDATE certificate_sequences SET last_seq = ${SAMPLE_SEQ_FROM - 2} WHERE year = 2025 AND qualification_serial = ${SERIAL}`);
        const last = await reserve('last');
        if (!('managementNo' in last)) throw new Error('expected a reservation');
        expect(seqOf(last.managementNo)).toBe(SAMPLE_SEQ_FROM - 1);
        // one call, and a group of concurrent calls (a group that fails is retried one by one: each refused)
        await expect(reserve('over')).rejects.toMatchObject({ code: 'ERR_MANAGEMENT_NO_EXHAUSTED', status: 503 });
        const group = await Promise.allSettled(['g1', 'g2', 'g3'].map(reserve));
        expect(group.map((g) => g.status === 'rejected' && (g.reason as { code?: string }).code)).toEqual(['ERR_MANAGEMENT_NO_EXHAUSTED', 'ERR_MANAGEMENT_NO_EXHAUSTED', 'ERR_MANAGEMENT_NO_EXHAUSTED']);
        expect(await h.sql(`SELECT last_seq FROM certificate_sequences WHERE year = 2025 AND qualification_serial = ${SERIAL}`)).toEqual([{ last_seq: SAMPLE_SEQ_FROM - 1 }]);
        expect(await count(h, `SELECT COUNT(*) AS n FROM management_numbers WHERE seq >= ${SAMPLE_SEQ_FROM}`)).toBe(0);
        // other qualifications draw as before
        const other = await h.store.reserve({ dedupKey: 'other', year: 2025, qualificationSerial: SERIAL + 1, actor: 'iss_1', now, leaseMs: 60_000 });
        expect('managementNo' in other && isSampleManagementNo(other.managementNo)).toBe(false);
      }),
    );

    it(
      'a reservation never committed (a crashed process) is voided by the next reserve or claim after its lease; a late commit is refused',
      withStore(async (h) => {
        const r = await h.store.reserve({ dedupKey: 'crashed', year: 2025, qualificationSerial: SERIAL, actor: 'iss_1', now, leaseMs: 60_000 });
        if (!('managementNo' in r)) throw new Error('expected a reservation');
        expect(await h.store.accountNumbers(now)).toMatchObject({ ok: true, drawn: 1, reserved: 1, expired: 0 });
        const later = new Date(now.getTime() + 61_000);
        expect(await h.store.accountNumbers(later)).toMatchObject({ ok: true, drawn: 1, reserved: 0, expired: 1 });
        // within the lease nothing is voided
        expect(await h.store.claimBatchRows({ limit: 1, workerId: 'w', now, leaseMs: 1000 })).toEqual([]);
        expect(await h.store.voidExpiredReservations(now)).toBe(0);
        expect(await h.store.claimBatchRows({ limit: 1, workerId: 'w', now: later, leaseMs: 1000 })).toEqual([]);
        const [row] = await h.sql(`SELECT state, void_reason FROM management_numbers WHERE management_no = '${r.managementNo}'`);
        expect(row.state).toBe('void');
        expect(String(row.void_reason)).toContain('lease expired');
        await expect(
          h.store.commitIssue({ managementNo: r.managementNo, dedupKey: 'crashed', record: record(7), built: builtDocument(r.managementNo, 1, '7'), actor: 'iss_1', now: later }),
        ).rejects.toMatchObject({ code: 'ERR_RESERVATION_LOST' });
        expect(await h.store.getCertificate(r.managementNo)).toBeUndefined();
        const next = await issueOne(h.store, 8, { now: later });
        expect(seqOf(next.record.managementNo)).toBe(2);
        expect(await h.store.accountNumbers(later)).toEqual({ ok: true, drawn: 2, issued: 1, void: 1, reserved: 0, expired: 0, problems: [] });
        // a gap (a number drawn with no account of it) is reported
        await h.sql(`DELETE FROM management_numbers WHERE management_no = '${r.managementNo}'`);
        expect(await h.store.accountNumbers(later)).toMatchObject({ ok: false, problems: [expect.stringContaining('2 numbers drawn, 1 accounted for')] });
      }),
    );

    it(
      're-issues under the same number, superseding the old document, in one transaction',
      withStore(async (h) => {
        const { record: r } = await issueOne(h.store, 4, { record: record(4, { specialty: '旧专业' }) });
        const old = (await h.store.getDocument(r.managementNo))!;
        const later = new Date(now.getTime() + 86_400_000);
        await expect(
          h.store.reissue({ managementNo: r.managementNo, expectedVersion: 1, changes: { holderName: 'x' }, built: builtDocument(r.managementNo, 3, 'x'), actor: 'iss_1', now: later, reason: 'r' }),
        ).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
        expect(await h.store.getCertificate(r.managementNo)).toEqual(r);
        await expect(
          h.store.reissue({ managementNo: r.managementNo, expectedVersion: 0, changes: { holderName: 'x' }, built: builtDocument(r.managementNo, 1, 'x'), actor: 'iss_1', now: later, reason: 'r' }),
        ).rejects.toMatchObject({ code: 'ERR_CONCURRENT_UPDATE' });

        const re = await h.store.reissue({
          managementNo: r.managementNo,
          expectedVersion: 1,
          changes: { holderName: '新名', specialty: undefined },
          built: builtDocument(r.managementNo, 2, '新名'),
          actor: 'iss_1',
          now: later,
          reason: '更名',
        });
        // a second re-issue built on the same version lost the race
        await expect(
          h.store.reissue({ managementNo: r.managementNo, expectedVersion: 1, changes: {}, built: builtDocument(r.managementNo, 2, 'late'), actor: 'iss_1', now: later, reason: 'r' }),
        ).rejects.toMatchObject({ code: 'ERR_CONCURRENT_UPDATE' });
        expect(re).toMatchObject({ managementNo: r.managementNo, currentVersion: 2, holderName: '新名', idNumberDigest: r.idNumberDigest, status: 'valid' });
        expect(re.specialty).toBeUndefined();
        expect(re.documents).toEqual([
          { version: 1, sha256: old.sha256, createdAt: now.toISOString(), supersededAt: later.toISOString() },
          { version: 2, sha256: builtDocument(r.managementNo, 2, '新名').sha256, createdAt: later.toISOString() },
        ]);
        expect(await h.store.findDocumentBySha256(old.sha256)).toEqual({ managementNo: r.managementNo, version: 1, superseded: true });
        expect((await h.store.getDocument(r.managementNo))!.version).toBe(2);
        expect((await h.store.getDocument(r.managementNo, 1))!.pdf.equals(old.pdf)).toBe(true);
        expect(await h.store.getDocument(r.managementNo, 3)).toBeUndefined();
        const [entry] = await h.sql("SELECT details FROM audit_log WHERE action = 'certificate.reissue'");
        expect(JSON.parse(String(entry.details))).toMatchObject({ version: 2, reason: '更名', changed: ['holderName', 'specialty'] });
        await expect(
          h.store.reissue({ managementNo: '202503900000099', expectedVersion: 1, changes: {}, built: builtDocument('202503900000099', 2, 'x'), actor: 'a', now, reason: 'r' }),
        ).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
      }),
    );

    it(
      'a re-issue moves the identity key: the corrected identity finds the certificate, the identity of another certificate is refused',
      withStore(async (h) => {
        const a = (await issueOne(h.store, 1, { dedupKey: 'old-identity' })).record;
        const b = (await issueOne(h.store, 2, { dedupKey: 'b-identity' })).record;
        const later = new Date(now.getTime() + 1000);
        await expect(
          h.store.reissue({ managementNo: a.managementNo, expectedVersion: 1, changes: {}, dedupKey: 'b-identity', built: builtDocument(a.managementNo, 2, 'x'), actor: 'iss_1', now: later, reason: '更正' }),
        ).rejects.toMatchObject({ code: 'ERR_CONFLICTS_WITH_EXISTING', details: { managementNo: b.managementNo } });
        await h.store.reissue({ managementNo: a.managementNo, expectedVersion: 1, changes: { approvalDate: '2025-07-01' }, dedupKey: 'new-identity', built: builtDocument(a.managementNo, 2, 'x'), actor: 'iss_1', now: later, reason: '更正' });
        expect((await h.store.findByDedupKey('new-identity'))?.managementNo).toBe(a.managementNo);
        expect(await h.store.findByDedupKey('old-identity')).toBeUndefined();
        const again = await h.store.reserve({ dedupKey: 'new-identity', year: 2025, qualificationSerial: SERIAL, actor: 'iss_1', now: later, leaseMs: 1000 });
        expect('existing' in again && again.existing.managementNo).toBe(a.managementNo);
      }),
    );

    it(
      'keeps archive revisions (issue 14): newest bytes downloaded, every revision found by hash, due lists, concurrent renewals refused',
      withStore(async (h) => {
        const { record: a } = await issueOne(h.store, 21);
        const { record: b } = await issueOne(h.store, 22);
        const later = new Date(now.getTime() + 86_400_000);
        const due = async (at: Date, extra = {}) => (await h.store.listArchiveDue({ now: at, limit: 100, ...extra })).map((d) => `${d.managementNo}/${d.version}/${d.revisions}`);
        expect(await due(now)).toEqual([`${a.managementNo}/1/0`, `${b.managementNo}/1/0`].sort());
        const issued = (await h.store.getDocument(a.managementNo))!;
        const rev = (tag: string) => {
          const pdf = Buffer.concat([issued.pdf, Buffer.from(`% archive ${tag}\n%%EOF\n`)]);
          return { pdf, sha256: createHash('sha256').update(pdf).digest('hex') };
        };
        const r1 = rev('1');
        const renewBefore = new Date(now.getTime() + 10 * 86_400_000);
        expect(await h.store.addArchiveRevision({ managementNo: a.managementNo, version: 1, basedOnSha256: issued.sha256, ...r1, timestampedAt: now, renewBefore, actor: 'ltv', now })).toEqual({ seq: 1 });
        // a second renewal built on the issued bytes lost the race: nothing written
        await expect(
          h.store.addArchiveRevision({ managementNo: a.managementNo, version: 1, basedOnSha256: issued.sha256, ...rev('x'), timestampedAt: now, renewBefore, actor: 'ltv', now }),
        ).rejects.toMatchObject({ code: 'ERR_CONCURRENT_UPDATE' });
        expect(await h.store.getDocument(a.managementNo)).toEqual({ pdf: r1.pdf, sha256: r1.sha256, version: 1, revision: 1 });
        expect(await h.store.getDocument(a.managementNo, 1, 0)).toEqual({ ...issued, revision: 0 });
        expect(await h.store.getDocument(a.managementNo, 1, 2)).toBeUndefined();
        expect(await h.store.findDocumentBySha256(r1.sha256)).toEqual({ managementNo: a.managementNo, version: 1, superseded: false });
        expect(await h.store.findDocumentBySha256(issued.sha256)).toEqual({ managementNo: a.managementNo, version: 1, superseded: false });
        expect(await due(now)).toEqual([`${b.managementNo}/1/0`]);
        expect(await due(later, { managementNos: [a.managementNo] })).toEqual([]);
        expect(await due(renewBefore, { managementNos: [a.managementNo] })).toEqual([`${a.managementNo}/1/1`]);
        const r2 = rev('2');
        expect(await h.store.addArchiveRevision({ managementNo: a.managementNo, version: 1, basedOnSha256: r1.sha256, ...r2, timestampedAt: later, renewBefore: new Date(later.getTime() + 1e10), actor: 'ltv', now: later })).toEqual({ seq: 2 });
        expect((await h.store.getDocument(a.managementNo, undefined, 1))?.sha256).toBe(r1.sha256);
        const rec = (await h.store.getCertificate(a.managementNo))!;
        expect(rec.documents[0].sha256).toBe(issued.sha256);
        expect(rec.documents[0].archiveRevisions?.map((x) => [x.seq, x.sha256])).toEqual([[1, r1.sha256], [2, r2.sha256]]);
        expect((await h.store.listArchiveDue({ now, limit: 100, after: { managementNo: a.managementNo, version: 1 } })).map((d) => d.managementNo)).toEqual(a.managementNo < b.managementNo ? [b.managementNo] : []);
        await h.store.revoke({ managementNo: b.managementNo, reason: 'x', actor: 'a', now });
        expect(await due(now)).toEqual([]);
        expect((await h.sql("SELECT target, details FROM audit_log WHERE action = 'document.archive' ORDER BY seq")).map((e) => [e.target, JSON.parse(String(e.details)).seq])).toEqual([
          [a.managementNo, 1],
          [a.managementNo, 2],
        ]);
      }),
    );

    it(
      'revokes with who, when and why, once; a revoked certificate is not re-issued',
      withStore(async (h) => {
        const { record: r } = await issueOne(h.store, 5);
        const at = new Date(now.getTime() + 3_600_000);
        const rv = await h.store.revoke({ managementNo: r.managementNo, reason: '违规取得', actor: 'iss_9', now: at });
        expect(rv).toEqual({ ...r, status: 'revoked', revokedAt: at.toISOString(), revokedBy: 'iss_9', revocationReason: '违规取得' });
        expect(await h.store.getCertificate(r.managementNo)).toEqual(rv);
        await expect(h.store.revoke({ managementNo: r.managementNo, reason: 'again', actor: 'x', now })).rejects.toMatchObject({ code: 'ERR_CERTIFICATE_REVOKED' });
        await expect(h.store.revoke({ managementNo: '202503900000099', reason: 'x', actor: 'x', now })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
        await expect(
          h.store.reissue({ managementNo: r.managementNo, expectedVersion: 1, changes: {}, built: builtDocument(r.managementNo, 2, 'x'), actor: 'a', now, reason: 'r' }),
        ).rejects.toMatchObject({ code: 'ERR_CERTIFICATE_REVOKED' });
        expect((await h.sql("SELECT actor, target, details FROM audit_log WHERE action = 'certificate.revoke'")).map((e) => ({ ...e, details: JSON.parse(String(e.details)) }))).toEqual([
          { actor: 'iss_9', target: r.managementNo, details: { reason: '违规取得' } },
        ]);
      }),
    );

    it(
      'keeps issuers by key hash only, lists them, disables them',
      withStore(async (h) => {
        await h.store.createIssuer({ id: 'iss_a', bodyCode: 'cctaa', name: '甲', qualifications: ['tax-adviser'], keyHash: 'a'.repeat(64), actor: 'cli', now });
        await h.store.createIssuer({ id: 'iss_b', bodyCode: 'osta', name: '乙', qualifications: ['x', 'y'], keyHash: 'b'.repeat(64), actor: 'cli', now });
        expect(await h.store.findIssuerByKeyHash('a'.repeat(64))).toEqual({ id: 'iss_a', bodyCode: 'cctaa', name: '甲', qualifications: ['tax-adviser'] });
        expect(await h.store.findIssuerByKeyHash('c'.repeat(64))).toBeUndefined();
        expect((await h.store.listIssuers()).map((i) => i.id)).toEqual(['iss_a', 'iss_b']);
        await h.store.disableIssuer('iss_b', 'cli', now);
        await h.store.disableIssuer('iss_b', 'cli', now); // already disabled: no second entry
        expect(await h.store.findIssuerByKeyHash('b'.repeat(64))).toMatchObject({ id: 'iss_b', disabled: true });
        await expect(h.store.disableIssuer('iss_zzz', 'cli', now)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
        await expect(h.store.createIssuer({ id: 'iss_c', bodyCode: 'x', name: 'c', qualifications: [], keyHash: 'a'.repeat(64), actor: 'cli', now })).rejects.toThrow();
        const audit = await h.sql('SELECT action, target, details FROM audit_log ORDER BY seq');
        expect(audit.map((e) => `${e.action} ${e.target}`)).toEqual(['issuer.create iss_a', 'issuer.create iss_b', 'issuer.disable iss_b']);
        expect(JSON.stringify(audit)).not.toContain('a'.repeat(64));
      }),
    );

    it(
      'groups concurrent reserves and commits (issue 12): consecutive numbers, and every call answered on its own',
      withStore(async (h) => {
        await h.store.createIssuer({ id: 'iss_1', bodyCode: 'cctaa', name: 'A', qualifications: [], keyHash: 'h1', actor: 'cli', now });
        await h.store.createIssuer({ id: 'iss_off', bodyCode: 'cctaa', name: 'Off', qualifications: [], keyHash: 'h2', actor: 'cli', now });
        await h.store.createBatch({ id: 'bg', issuerId: 'iss_1', rows: range(1, 3).map((i) => ({ rowNo: i, payload: { i } })), now });
        const earlier = await issueOne(h.store, 99);
        // made in one tick: one group; k99 is issued already, k7 is asked for twice
        const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k7', 'k7', 'k99'];
        const res = await Promise.all(keys.map((dedupKey) => h.store.reserve({ dedupKey, year: 2025, qualificationSerial: SERIAL, actor: 'iss_1', now, leaseMs: 60_000 })));
        expect(res[7]).toEqual({ existing: earlier.record });
        const nos = res.slice(0, 7).map((r) => ('managementNo' in r ? r.managementNo : ''));
        expect(nos.map(seqOf)).toEqual(range(2, 7));

        await h.store.disableIssuer('iss_off', 'cli', now);
        await h.store.voidReservation({ managementNo: nos[3], reason: 'test: voided before its commit', actor: 'iss_1', now });
        const commit = (i: number, over: Partial<NewRecord> = {}, batchRow?: { batchId: string; rowNo: number }) =>
          h.store.commitIssue({ managementNo: nos[i], dedupKey: keys[i], record: record(i, over), built: builtDocument(nos[i], 1, String(i)), actor: 'iss_1', now, batchRow });
        const outcomes = await Promise.allSettled([
          commit(0, {}, { batchId: 'bg', rowNo: 1 }),
          commit(1, {}, { batchId: 'bg', rowNo: 2 }),
          commit(2, { issuerId: 'iss_off' }),
          commit(3),
          commit(4),
          commit(5),
          commit(6),
        ]);
        const value = (i: number) => (outcomes[i] as PromiseFulfilledResult<{ created: boolean; record: { managementNo: string } }>).value;
        const reason = (i: number) => (outcomes[i] as PromiseRejectedResult).reason as { code?: string };
        for (const i of [0, 1, 4, 5]) {
          expect(value(i).created).toBe(true);
          // the record answered is the record stored
          expect(await h.store.getCertificate(nos[i])).toEqual(value(i).record);
          expect((await h.store.getDocument(nos[i]))!.pdf.equals(builtDocument(nos[i], 1, String(i)).pdf)).toBe(true);
        }
        expect(reason(2).code).toBe('ERR_ISSUER_DISABLED');
        expect(reason(3).code).toBe('ERR_RESERVATION_LOST');
        // the second k7 lost to the first in the same group: its number void, the first's record answered
        expect(value(6)).toEqual({ created: false, record: value(5).record });
        expect(await h.store.getBatch('bg')).toMatchObject({ total: 3, done: 2, failed: 0, pending: 1 });
        expect(await collect(h.store.listBatchCertificates('bg'))).toEqual([{ rowNo: 1, managementNo: nos[0] }, { rowNo: 2, managementNo: nos[1] }]);

        await h.store.voidReservation({ managementNo: nos[2], reason: 'test: issuer disabled', actor: 'iss_1', now });
        const account = await h.store.accountNumbers(now);
        expect(account.problems).toEqual([]);
        expect(account).toMatchObject({ issued: 5, void: 3, reserved: 0 });
        expect((await h.store.verifyAudit()).ok).toBe(true);
        const issuedEntries = await h.sql("SELECT target FROM audit_log WHERE action = 'certificate.issue' ORDER BY seq");
        expect(issuedEntries.map((r) => r.target)).toEqual([earlier.record.managementNo, nos[0], nos[1], nos[4], nos[5]]);
      }),
    );

    it(
      "stores a commit group's documents byte for byte, and one that cannot be stored fails only itself (issue 12)",
      withStore(async (h) => {
        await h.store.createIssuer({ id: 'iss_1', bodyCode: 'cctaa', name: 'A', qualifications: [], keyHash: 'h1', actor: 'cli', now });
        const keys = ['d0', 'd1', 'd2', 'd3', 'd4'];
        const res = await Promise.all(keys.map((dedupKey) => h.store.reserve({ dedupKey, year: 2025, qualificationSerial: SERIAL, actor: 'iss_1', now, leaseMs: 60_000 })));
        const nos = res.map((r) => ('managementNo' in r ? r.managementNo : ''));
        // sizes around the PostgreSQL COPY encoder's own-chunk threshold (src/registry/binaryCopy.ts)
        // and past a 16 KiB SQLite page, bytes that look like the COPY trailer and header;
        // d4 carries d3's bytes: the documents' UNIQUE sha256 refuses it
        const pdfs = [
          Buffer.from('%PDF-1.7\n%%EOF\n'),
          Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(1023, 0xff)]),
          Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0xff, 0xff, 0, 0, 0, 0]), Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), randomBytes(40_000)]),
          Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200_000)]),
        ];
        pdfs.push(pdfs[3]);
        const built = (i: number) => {
          const b = builtDocument(nos[i], 1, String(i));
          return { ...b, pdf: pdfs[i], sha256: createHash('sha256').update(pdfs[i]).digest('hex') };
        };
        const outcomes = await Promise.allSettled(
          keys.map((dedupKey, i) => h.store.commitIssue({ managementNo: nos[i], dedupKey, record: record(i), built: built(i), actor: 'iss_1', now })),
        );
        for (const i of [0, 1, 2]) {
          expect(outcomes[i].status).toBe('fulfilled');
          expect((await h.store.getDocument(nos[i]))!.pdf.equals(pdfs[i])).toBe(true);
          expect((await h.store.findDocumentBySha256(built(i).sha256))?.managementNo).toBe(nos[i]);
        }
        // of the two with the same bytes exactly one is stored; the other left nothing behind
        expect(outcomes.slice(3).map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
        const loser = outcomes[3].status === 'rejected' ? 3 : 4;
        const winner = loser === 3 ? 4 : 3;
        expect((await h.store.getDocument(nos[winner]))!.pdf.equals(pdfs[3])).toBe(true);
        expect(await h.store.getCertificate(nos[loser])).toBeUndefined();
        expect(await h.store.getDocument(nos[loser])).toBeUndefined();
        expect(await h.store.accountNumbers(now)).toMatchObject({ issued: 4, reserved: 1, problems: [] });
        expect((await h.store.verifyAudit()).ok).toBe(true);
      }),
    );

    it(
      'hands batch rows to concurrent claimers on two instances exactly once, reclaims expired leases, counts progress',
      withStore(async (h) => {
        await h.store.createIssuer({ id: 'iss_b', bodyCode: 'cctaa', name: 'B', qualifications: [], keyHash: 'hb', actor: 'cli', now });
        const rows = range(1, 300).map((i) => ({ rowNo: i, payload: { i, name: `张${i}` } }));
        await h.store.createBatch({ id: 'b1', issuerId: 'iss_b', rows, now });
        await h.store.createBatch({ id: 'b1', issuerId: 'iss_b', rows: rows.slice(0, 5), now }); // resubmitted: unchanged
        expect(await h.store.getBatch('b1')).toEqual({ id: 'b1', issuerId: 'iss_b', total: 300, done: 0, failed: 0, pending: 300, errors: [], createdAt: now.toISOString() });
        expect(await h.store.getBatch('nope')).toBeUndefined();

        const other = await h.another();
        try {
          const claimers = [h.store, other];
          const claims = await Promise.all(range(0, 8).map((w) => claimers[w % 2].claimBatchRows({ batchId: 'b1', limit: 40, workerId: `w${w}`, now, leaseMs: 60_000 })));
          const claimed = claims.flat();
          expect(claimed.length).toBe(300);
          expect(new Set(claimed.map((r) => r.rowNo)).size).toBe(300);
          expect(claimed.find((r) => r.rowNo === 7)).toEqual({ batchId: 'b1', rowNo: 7, payload: { i: 7, name: '张7' }, issuerId: 'iss_b' });
          for (const c of claims) expect(c.map((r) => r.rowNo)).toEqual(sorted(c.map((r) => r.rowNo)));
        } finally {
          await other.close();
        }
        expect(await h.store.claimBatchRows({ limit: 10, workerId: 'late', now, leaseMs: 60_000 })).toEqual([]);
        // the leases run out (a crashed worker): the rows come back
        const later = new Date(now.getTime() + 60_000);
        const again = await h.store.claimBatchRows({ limit: 1000, workerId: 'w9', now: later, leaseMs: 60_000 });
        expect(again.map((r) => r.rowNo)).toEqual(range(1, 300));

        const five = await issueOne(h.store, 5, { batchRow: { batchId: 'b1', rowNo: 1 } });
        // the same certificate again: reserve finds it, the row is completed with its number
        const again5 = await h.store.reserve({ dedupKey: 'k5', year: 2025, qualificationSerial: SERIAL, actor: 'iss_1', now, leaseMs: 1000 });
        expect(again5).toEqual({ existing: five.record });
        await h.store.completeBatchRow({ batchId: 'b1', rowNo: 3, managementNo: five.record.managementNo, now });
        await h.store.failBatchRow({ batchId: 'b1', rowNo: 2, code: 'ERR_SEX', message: 'bad' });
        await h.store.failBatchRow({ batchId: 'b1', rowNo: 2, code: 'ERR_OTHER', message: 'twice' }); // no effect
        await h.store.failBatchRow({ batchId: 'b1', rowNo: 1, code: 'ERR_OTHER', message: 'done already' }); // no effect
        expect(await h.store.getBatch('b1')).toMatchObject({ total: 300, done: 2, failed: 1, pending: 297, errors: [{ row: 2, code: 'ERR_SEX', message: 'bad' }] });
        const listed = await collect(h.store.listBatchCertificates('b1'));
        expect(listed).toEqual([
          { rowNo: 1, managementNo: listed[0].managementNo },
          { rowNo: 3, managementNo: listed[0].managementNo },
        ]);
        // holder data does not outlive the row's processing
        expect(await count(h, "SELECT COUNT(*) AS n FROM batch_rows WHERE state <> 'pending' AND payload IS NOT NULL")).toBe(0);

        await h.store.releaseBatchLeases('b1');
        const rest = await h.store.claimBatchRows({ batchId: 'b1', limit: 1000, workerId: 'w10', now: later, leaseMs: 60_000 });
        expect(rest.map((r) => r.rowNo)).toEqual(range(4, 297));
        for (const r of rest) await h.store.failBatchRow({ batchId: 'b1', rowNo: r.rowNo, code: 'ERR_X', message: 'x'.repeat(600), now: later });
        const end = (await h.store.getBatch('b1'))!;
        expect(end).toMatchObject({ done: 2, failed: 298, pending: 0, finishedAt: later.toISOString() });
        expect(end.errors[1]).toEqual({ row: 4, code: 'ERR_X', message: 'x'.repeat(500) });

        await h.store.createBatch({ id: 'empty', issuerId: 'iss_b', rows: [], now });
        expect(await h.store.getBatch('empty')).toMatchObject({ total: 0, pending: 0, finishedAt: now.toISOString() });

        // a CSV batch keeps its header's spelling of the columns, and its claimed rows carry it
        const columns = { 'holder.name': '姓名', 'holder.idNumber': '身份证号' };
        await h.store.createBatch({ id: 'csv', issuerId: 'iss_b', rows: range(2, 3).map((i) => ({ rowNo: i, payload: { i }, columns })), now });
        const csvRows = await h.store.claimBatchRows({ batchId: 'csv', limit: 10, workerId: 'w11', now: later, leaseMs: 60_000 });
        expect(csvRows.map((r) => [r.rowNo, r.columns])).toEqual([[2, columns], [3, columns], [4, columns]]);
      }),
    );

    it(
      'batch bookkeeping (issue 12): submission + audit in one transaction under concurrent submissions, owned batches, bounded retries, disabled issuers',
      withStore(async (h) => {
        await h.store.createIssuer({ id: 'iss_b', bodyCode: 'cctaa', name: 'B', qualifications: [], keyHash: 'hb', actor: 'cli', now });
        const rows = range(1, 5).map((i) => ({ rowNo: i, payload: { i } }));
        const other = await h.another();
        try {
          const created = await Promise.all(range(0, 6).map((j) => (j % 2 ? other : h.store).createBatch({ id: 'same', issuerId: 'iss_b', rows, now, actor: 'iss_b' })));
          expect(created.filter(Boolean)).toHaveLength(1);
        } finally {
          await other.close();
        }
        expect(await count(h, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'batch.submit' AND target = 'same'")).toBe(1);
        expect(await count(h, "SELECT COUNT(*) AS n FROM batch_rows WHERE batch_id = 'same'")).toBe(5);

        // a batch owned by a CLI run is skipped by claims for any batch, taken by claims naming it
        await h.store.createBatch({ id: 'owned', issuerId: 'iss_b', rows, now, owner: 'cli:1@host' });
        expect(await h.store.getBatch('owned')).toMatchObject({ owner: 'cli:1@host' });
        const any = await h.store.claimBatchRows({ limit: 100, workerId: 'svc', now, leaseMs: 60_000 });
        expect(new Set(any.map((r) => r.batchId))).toEqual(new Set(['same']));
        expect((await h.store.claimBatchRows({ batchId: 'owned', limit: 100, workerId: 'cli', now, leaseMs: 60_000 })).length).toBe(5);
        await h.store.setBatchOwner('owned', null);
        expect((await h.store.getBatch('owned'))!.owner).toBeUndefined();

        // non-validation failures: retried after a growing back-off, failed after maxAttempts
        const defer = (at: Date) => h.store.deferBatchRow({ batchId: 'same', rowNo: 1, code: 'ERR_REGISTRY_UNAVAILABLE', message: 'down', now: at, maxAttempts: 3, backoffMs: 1000 });
        expect(await defer(now)).toBe('retry');
        const claimAt = (ms: number) => h.store.claimBatchRows({ batchId: 'same', limit: 100, workerId: 'w', now: new Date(now.getTime() + ms), leaseMs: 1 });
        expect((await claimAt(999)).map((r) => r.rowNo)).not.toContain(1);
        expect((await claimAt(1000)).map((r) => r.rowNo)).toContain(1);
        expect(await defer(new Date(now.getTime() + 1000))).toBe('retry'); // next after 2 s
        expect((await claimAt(2999)).map((r) => r.rowNo)).not.toContain(1);
        expect(await defer(new Date(now.getTime() + 3000))).toBe('failed');
        expect(await h.store.getBatch('same')).toMatchObject({ failed: 1, errors: [{ row: 1, code: 'ERR_REGISTRY_UNAVAILABLE', message: 'down (3 attempts)' }] });

        // disabling the credential fails its queued rows at once; nothing commits in its name
        const r = await h.store.reserve({ dedupKey: 'late', year: 2025, qualificationSerial: SERIAL, actor: 'iss_b', now, leaseMs: 60_000 });
        await h.store.disableIssuer('iss_b', 'cli', now);
        expect(await h.store.getBatch('same')).toMatchObject({ failed: 5, pending: 0, finishedAt: now.toISOString() });
        expect(await h.store.getBatch('owned')).toMatchObject({ failed: 5, pending: 0 });
        expect((await h.store.getBatch('owned'))!.errors.every((e) => e.code === 'ERR_ISSUER_DISABLED')).toBe(true);
        if (!('managementNo' in r)) throw new Error('expected a reservation');
        await expect(
          h.store.commitIssue({ managementNo: r.managementNo, dedupKey: 'late', record: record(9, { issuerId: 'iss_b' }), built: builtDocument(r.managementNo, 1, '9'), actor: 'iss_b', now }),
        ).rejects.toMatchObject({ code: 'ERR_ISSUER_DISABLED' });
        expect(await h.store.getCertificate(r.managementNo)).toBeUndefined();
      }),
    );

    it(
      'searches by the first characters of the 管理号 (a range of the primary key), alone or with other criteria',
      withStore(async (h) => {
        const mine = [];
        for (const i of [1, 2, 3]) mine.push((await issueOne(h.store, i)).record.managementNo);
        const other = (await issueOne(h.store, 4, { year: 2026, qualificationSerial: SERIAL + 1, dedupKey: 'k4-2026' })).record.managementNo;
        const nos = async (q: Partial<Parameters<RegistryStore['searchCertificates']>[0]>) => (await h.store.searchCertificates({ limit: 100, ...q })).map((c) => c.managementNo).sort();
        expect(await nos({ managementNoPrefix: `2025${String(SERIAL).padStart(3, '0')}` })).toEqual([...mine].sort());
        expect(await nos({ managementNoPrefix: '2' })).toEqual([...mine, other].sort());
        expect(await nos({ managementNoPrefix: '2026' })).toEqual([other]);
        expect(await nos({ managementNoPrefix: mine[1] })).toEqual([mine[1]]);
        expect(await nos({ managementNoPrefix: mine[1].slice(0, 14) })).toEqual([mine[1]]);
        expect(await nos({ managementNoPrefix: '2024' })).toEqual([]);
        expect(await nos({ managementNoPrefix: '2025', holderName: '持证人2' })).toEqual([mine[1]]);
        for (const bad of ['', '2025-', '20250390000001XX', 'X']) await expect(h.store.searchCertificates({ managementNoPrefix: bad, limit: 10 })).rejects.toThrow(RangeError);
      }),
    );

    it(
      'lists every failed row of a large batch: pages of BATCH_ERRORS_LISTED after a row, and all of them in row order',
      withStore(async (h) => {
        await h.store.createIssuer({ id: 'iss_b', bodyCode: 'cctaa', name: 'B', qualifications: [], keyHash: 'hb', actor: 'cli', now });
        const n = BATCH_ERRORS_LISTED + 205; // more than one page of getBatch, three of listBatchErrors (500)
        // every other row of a CSV (rows 2, 4, …) fails, so that a page ends on a row number, not a count
        await h.store.createBatch({ id: 'bad', issuerId: 'iss_b', rows: range(1, 2 * n).map((i) => ({ rowNo: i + 1, payload: { i } })), now });
        const rows = [];
        while (rows.length < 2 * n) rows.push(...(await h.store.claimBatchRows({ batchId: 'bad', limit: 1000, workerId: 'w', now, leaseMs: 60_000 })));
        for (const r of rows.filter((r) => r.rowNo % 2 === 0)) await h.store.failBatchRow({ batchId: 'bad', rowNo: r.rowNo, code: 'ERR_X', message: `row ${r.rowNo}`, now });
        const failedRows = range(1, n).map((i) => 2 * i);

        const first = (await h.store.getBatch('bad'))!;
        expect(first).toMatchObject({ failed: n, pending: n, errorsNext: failedRows[BATCH_ERRORS_LISTED - 1] });
        expect(first.errors.map((e) => e.row)).toEqual(failedRows.slice(0, BATCH_ERRORS_LISTED));
        const second = (await h.store.getBatch('bad', { errorsAfter: first.errorsNext }))!;
        expect(second.errors.map((e) => e.row)).toEqual(failedRows.slice(BATCH_ERRORS_LISTED));
        expect(second.errorsNext).toBeUndefined();
        expect(second.errors[0]).toEqual({ row: failedRows[BATCH_ERRORS_LISTED], code: 'ERR_X', message: `row ${failedRows[BATCH_ERRORS_LISTED]}` });
        // a limit below the ceiling, and none (a progress bar's poll)
        expect(await h.store.getBatch('bad', { errorsAfter: 4, errorLimit: 2 })).toMatchObject({ errors: [{ row: 6 }, { row: 8 }], errorsNext: 8 });
        expect(await h.store.getBatch('bad', { errorLimit: 0 })).toMatchObject({ failed: n, errors: [] });
        expect((await h.store.getBatch('bad', { errorLimit: 0 }))!.errorsNext).toBeUndefined();
        expect((await collect(h.store.listBatchErrors('bad'))).map((e) => e.row)).toEqual(failedRows);
        expect(await collect(h.store.listBatchErrors('nope'))).toEqual([]);
      }),
    );

    it(
      'streams the certificates of a large batch page by page, in row order',
      withStore(async (h) => {
        await h.store.createIssuer({ id: 'iss_b', bodyCode: 'cctaa', name: 'B', qualifications: [], keyHash: 'hb', actor: 'cli', now });
        const n = 1010; // three pages of listBatchCertificates and of verifyAudit (500 rows each)
        await h.store.createBatch({ id: 'big', issuerId: 'iss_b', rows: range(1, n).map((i) => ({ rowNo: i, payload: { i } })), now });
        const rows = await h.store.claimBatchRows({ batchId: 'big', limit: 1000, workerId: 'w', now, leaseMs: 60_000 });
        rows.push(...(await h.store.claimBatchRows({ batchId: 'big', limit: 1000, workerId: 'w', now, leaseMs: 60_000 })));
        expect(rows.length).toBe(n);
        for (let i = 0; i < n; i += 50) {
          await Promise.all(rows.slice(i, i + 50).map((r) => issueOne(h.store, 10_000 + r.rowNo, { batchRow: { batchId: r.batchId, rowNo: r.rowNo } })));
        }
        const listed = await collect(h.store.listBatchCertificates('big'));
        expect(listed.map((x) => x.rowNo)).toEqual(range(1, n));
        expect(new Set(listed.map((x) => x.managementNo)).size).toBe(n);
        expect(await h.store.getBatch('big')).toMatchObject({ done: n, pending: 0, finishedAt: now.toISOString() });
        expect((await h.store.verifyAudit()).entries).toBe(n + 1);
      }),
    );

    it(
      'chains the audit log, refuses plain changes, and reports a changed, deleted or added row',
      withStore(async (h) => {
        await issueOne(h.store, 6);
        await h.store.appendAudit({ actor: 'a', action: 'x.test', target: 't', details: { n: 1, nested: { b: [1, '二'], a: null }, dropped: undefined }, now });
        await h.store.appendAudit({ actor: 'a', action: 'x.test', target: 't2', now });
        await h.store.appendAudit({ actor: 'a', action: 'x.test', target: 't3', now });
        const ok = await h.store.verifyAudit();
        expect(ok).toMatchObject({ ok: true, entries: 4 });

        // recompute the chain independently from the raw rows
        const raw = await h.sql('SELECT * FROM audit_log ORDER BY seq');
        let prev = GENESIS_HASH;
        for (const r of raw) {
          const hash = auditHash(prev, { seq: Number(r.seq), at: String(r.at), actor: String(r.actor), action: String(r.action), target: String(r.target), details: r.details == null ? null : JSON.parse(String(r.details)) });
          expect(r.hash).toBe(hash);
          prev = hash;
        }
        expect(ok.headHash).toBe(prev);
        expect(raw[1].hash).toBe(createHash('sha256').update(String(raw[0].hash)).update('{"action":"x.test","actor":"a","at":"2025-08-15T02:00:00.000Z","details":{"n":1,"nested":{"a":null,"b":[1,"二"]}},"seq":2,"target":"t"}').digest('hex'));

        await expect(h.sql(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`)).rejects.toThrow(/append-only/);
        await expect(h.sql(`DELETE FROM audit_log WHERE seq = 2`)).rejects.toThrow(/append-only/);
        await h.sql(h.disableAuditGuard);
        await h.sql(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`);
        expect(await h.store.verifyAudit()).toMatchObject({ ok: false, entries: 1, firstBadSeq: 2, problem: 'entry 2 was altered' });
        await h.sql(`UPDATE audit_log SET actor = 'a' WHERE seq = 2`);
        expect((await h.store.verifyAudit()).ok).toBe(true);
        await h.sql(`UPDATE audit_log SET details = '{"n":2}' WHERE seq = 2`);
        expect(await h.store.verifyAudit()).toMatchObject({ ok: false, firstBadSeq: 2 });
        await h.sql(`UPDATE audit_log SET details = '${raw[1].details}' WHERE seq = 2`);
        expect((await h.store.verifyAudit()).ok).toBe(true);

        await h.sql(`DELETE FROM audit_log WHERE seq = 4`);
        expect(await h.store.verifyAudit()).toMatchObject({ ok: false, entries: 3, firstBadSeq: 4 });
        await h.sql(`DELETE FROM audit_log WHERE seq = 2`);
        expect(await h.store.verifyAudit()).toMatchObject({ ok: false, entries: 1, firstBadSeq: 2, problem: 'entry 2 is missing' });
        await h.sql(`INSERT INTO audit_log SELECT seq + 100, at, actor, action, target, details, prev_hash, hash FROM audit_log WHERE seq = 1`);
        await h.sql(`DELETE FROM audit_log WHERE seq <> 101`);
        await h.sql(`UPDATE audit_head SET seq = 0, hash = '${GENESIS_HASH}'`);
        expect(await h.store.verifyAudit()).toMatchObject({ ok: false, firstBadSeq: 1, problem: expect.stringContaining('after the chain head') });
      }),
    );
  });
}
