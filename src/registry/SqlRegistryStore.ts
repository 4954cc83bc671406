import { createHash } from 'node:crypto';
import { EcertError } from '../core/errors';
import { auditHash, GENESIS_HASH, normaliseDetails, type AuditEntry } from './auditChain';
import { assertRegistrySeq, formatManagementNo, MANAGEMENT_NO_LENGTH } from './managementNumber';
import { MIGRATIONS } from './migrations';
import {
  BATCH_ERRORS_LISTED,
  type BatchError,
  type AuditInput,
  type AuditVerdict,
  type BatchRowRef,
  type BatchStatus,
  type BuiltDocument,
  type CertificateRecord,
  type ClaimedRow,
  type CommitIssueArgs,
  type NumberAccount,
  type Reservation,
  type ReserveArgs,
  type Issuer,
  type NewBatchRow,
  type RegistryStore,
  type ReissueArgs,
  type StoredDocument,
  type AnnotationRecord,
  type NewAnnotation,
  type ArchiveDue,
  type DocumentInfo,
  type NewRecord,
} from './RegistryStore';

type CommitResult = { created: boolean; record: CertificateRecord };
import { first, type Row, type SqlSession } from './SqlSession';
import { Coalescer, settle, type Settled } from './Coalescer';
import { DocumentParts } from './DocumentParts';

/** Rows per page when streaming (batch certificates, audit verification). */
const PAGE = 500;
/** A claim takes at most this many rows. */
const MAX_CLAIM = 1000;
/** Batch rows inserted per statement group when a batch is stored. */
const BATCH_ROWS_SLICE = 500;
/** Concurrent reserves or commits grouped into one transaction at most. */
const GROUP = 64;
/** How long committing batch rows waits for more to join its transaction (see Coalescer). */
const BATCH_COMMIT_LINGER_MS = 60;
/**
 * …and no longer once no row has joined it for this long: render threads deliver a document
 * every 1–3 ms, so this means the batch's last rows (they waited out the whole linger before,
 * 22–64 ms at the end of each 2,000-row batch, this machine).
 */
const BATCH_COMMIT_QUIET_MS = 10;
/** Failure messages are cut to this many characters. */
const MAX_ERROR_MESSAGE = 500;

/** A documents row as issuance writes it: `pdf` without its shared part, if it has one (DocumentParts.ts). */
export interface NewDocumentRow {
  managementNo: string;
  version: number;
  /** Of the whole document. */
  sha256: string;
  pdf: Buffer;
  partSha256: string | null;
  partOffset: number | null;
  createdAt: string;
}

export interface ClaimArgs {
  batchId?: string;
  limit: number;
  workerId: string;
  now: Date;
  leaseMs: number;
}

/**
 * The registry in SQL, written once for both engines. An engine supplies an autocommit reader
 * (`db`), transactions, row locking (`forUpdate`), the batch-row claim and bulk insert, and its
 * error classification. Every write is one transaction; lock order is always
 * sequence row → 管理号 rows → certificate row → batch row → batch → audit head, so concurrent writers
 * queue instead of deadlocking.
 */
export abstract class SqlRegistryStore implements RegistryStore {
  abstract readonly engine: 'sqlite' | 'postgres';
  /** Autocommit reads (never used for writes). */
  protected abstract readonly db: SqlSession;
  /** `' FOR UPDATE'` where the engine locks rows (PostgreSQL); `''` where the transaction locks the database (SQLite). */
  protected abstract readonly forUpdate: string;
  /**
   * `durable: false`: the commit need not be flushed before it returns (a 管理号 reservation:
   * lost in a power cut only together with everything after it, since logs are written in
   * order, and then nothing was issued under it).
   */
  protected abstract transaction<T>(fn: (t: SqlSession) => Promise<T>, opts?: { durable?: boolean }): Promise<T>;
  /** Serialise concurrent migrations (and create what must exist before schema_migrations). */
  protected abstract beginMigration(t: SqlSession): Promise<void>;
  protected abstract insertBatchRows(t: SqlSession, batchId: string, rows: Array<{ rowNo: number; payload: string }>): Promise<void>;
  /** Store new documents (each ~35 KB of PDF): a commit group's, or a re-issue's. */
  protected abstract insertDocuments(t: SqlSession, docs: NewDocumentRow[]): Promise<void>;
  /**
   * Mark pending batch rows done with their 管理号 (rows already finished are left alone);
   * returns the batch id of each row changed.
   */
  protected abstract completeBatchRows(t: SqlSession, rows: Array<BatchRowRef & { managementNo: string }>): Promise<string[]>;
  /** Lease rows: UPDATE … RETURNING batch_id, row_no, payload, issuer_id. */
  protected abstract claimRows(t: SqlSession, a: ClaimArgs): Promise<Row[]>;
  protected abstract isUniqueViolation(e: unknown): boolean;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;

  // ---------------------------------------------------------------- schema

  async migrate(): Promise<void> {
    await this.transaction(async (t) => {
      await this.beginMigration(t);
      await t.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const applied = new Set((await t.all('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
      const newest = Math.max(0, ...MIGRATIONS.map((m) => m.version));
      const unknown = [...applied].filter((v) => v > newest);
      if (unknown.length) {
        throw new EcertError('ERR_CONFIG', {
          zh: `登记库结构版本 ${Math.max(...unknown)} 高于本程序支持的版本 ${newest}`,
          en: `registry schema version ${Math.max(...unknown)} is newer than this program (${newest})`,
        });
      }
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        for (const stmt of m[this.engine]) await t.run(stmt);
        await t.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, new Date().toISOString()]);
      }
    });
  }

  // ---------------------------------------------------------------- certificates

  /** Documents' shared parts known to be stored (DocumentParts.ts). */
  private readonly parts = new DocumentParts();

  /** Concurrent reserves (and commits) go to the database together (Coalescer.ts). */
  private readonly reserves = new Coalescer<ReserveArgs, Reservation>(
    (calls) => this.reserveGroup(calls),
    async (a) => {
      const [r] = await this.reserveGroup([a]);
      if (!r.ok) throw r.error;
      return r.value;
    },
    { max: GROUP },
  );
  private readonly commits = new Coalescer<CommitIssueArgs, CommitResult>((calls) => this.commitGroup(calls), (a) => this.commitOne(a), {
    max: GROUP,
    lingerMs: BATCH_COMMIT_LINGER_MS,
    quietMs: BATCH_COMMIT_QUIET_MS,
    patient: (a) => a.batchRow !== undefined,
  });

  reserve(a: ReserveArgs): Promise<Reservation> {
    return this.reserves.submit(a);
  }

  async commitIssue(a: CommitIssueArgs): Promise<CommitResult> {
    checkBuilt(a.built, a.managementNo, 1);
    return this.commits.submit(a);
  }

  /**
   * Phase 1 for a group of identities: those already issued (or retired by a re-issue) draw
   * nothing; the others draw consecutive numbers of their sequence in one short transaction
   * (each sequence row locked once, in a fixed order, and only for that transaction).
   */
  private async reserveGroup(calls: ReserveArgs[]): Promise<Array<Settled<Reservation>>> {
    const keys = [...new Set(calls.map((a) => a.dedupKey))];
    const issued = await this.numbersByDedupKey(this.db, 'certificates', keys);
    const retired = await this.numbersByDedupKey(this.db, 'retired_identities', keys);
    const out: Array<Settled<Reservation>> = [];
    const fresh: number[] = [];
    for (const [i, a] of calls.entries()) {
      const existing = issued.get(a.dedupKey) ?? retired.get(a.dedupKey);
      if (existing === undefined) fresh.push(i);
      else out[i] = await settle(async () => ({ existing: (await this.getCertificate(existing))!, ...(issued.has(a.dedupKey) ? {} : { retired: true }) }));
    }
    if (fresh.length) {
      const sequences = new Map<string, number[]>();
      for (const i of fresh) {
        const k = `${calls[i].year}:${String(calls[i].qualificationSerial).padStart(3, '0')}`;
        sequences.set(k, [...(sequences.get(k) ?? []), i]);
      }
      const drawn = await this.transaction(async (t) => {
        const nos = new Map<number, { managementNo: string; seq: number }>();
        for (const [, members] of [...sequences].sort(([x], [y]) => (x < y ? -1 : 1))) {
          const { year, qualificationSerial } = calls[members[0]];
          const [row] = await t.all(
            `INSERT INTO certificate_sequences (year, qualification_serial, last_seq) VALUES (?, ?, ?)
             ON CONFLICT (year, qualification_serial) DO UPDATE SET last_seq = certificate_sequences.last_seq + excluded.last_seq
             RETURNING last_seq`,
            [year, qualificationSerial, members.length],
          );
          assertRegistrySeq(year, qualificationSerial, Number(row.last_seq)); // never into the sample range (issue 12)
          const firstSeq = Number(row.last_seq) - members.length + 1;
          members.forEach((i, k) => nos.set(i, { seq: firstSeq + k, managementNo: formatManagementNo(year, qualificationSerial, firstSeq + k) }));
        }
        await t.run(
          `INSERT INTO management_numbers (management_no, year, qualification_serial, seq, state, dedup_key, reserved_by, reserved_at, lease_until)
           VALUES ${fresh.map(() => `(?, ?, ?, ?, 'reserved', ?, ?, ?, ?)`).join(', ')}`,
          fresh.flatMap((i) => {
            const a = calls[i];
            const n = nos.get(i)!;
            return [n.managementNo, a.year, a.qualificationSerial, n.seq, a.dedupKey, a.actor, a.now.toISOString(), a.now.getTime() + a.leaseMs];
          }),
        );
        return nos;
      }, { durable: false });
      for (const i of fresh) out[i] = { ok: true, value: { managementNo: drawn.get(i)!.managementNo } };
    }
    await this.voidExpiredReservations(calls[0].now);
    return out;
  }

  /** 管理号 of the rows of `table` (certificates or retired_identities) with these identities. */
  private async numbersByDedupKey(s: SqlSession, table: 'certificates' | 'retired_identities', keys: string[]): Promise<Map<string, string>> {
    const rows = await s.all(`SELECT dedup_key, management_no FROM ${table} WHERE dedup_key IN (${marks(keys.length)})`, keys);
    return new Map(rows.map((r) => [String(r.dedup_key), String(r.management_no)]));
  }

  /**
   * Phase 2 for a group, in one transaction: each call is checked as commitOne checks it
   * (reservation held, credential enabled, identity not committed meanwhile, also not by an
   * earlier call of the group), then the accepted ones are written with one statement per
   * table and their audit entries appended together. Lock order as everywhere: 管理号 rows →
   * batch rows → batches → audit head. Any statement failing fails the whole group (the
   * Coalescer then commits the calls one by one).
   */
  private async commitGroup(calls: CommitIssueArgs[]): Promise<Array<Settled<CommitResult>>> {
    const newParts: Array<{ sha256: string; bytes: Buffer }> = [];
    const out = await this.transaction(async (t) => {
      const nos = calls.map((a) => a.managementNo);
      const states = new Map(
        (await t.all(`SELECT management_no, state FROM management_numbers WHERE management_no IN (${marks(nos.length)}) ORDER BY management_no${this.forUpdate}`, nos)).map((r) => [
          String(r.management_no),
          String(r.state),
        ]),
      );
      const issuerIds = [...new Set(calls.map((a) => a.record.issuerId))];
      const disabled = new Set((await t.all(`SELECT id, disabled FROM issuers WHERE id IN (${marks(issuerIds.length)})`, issuerIds)).filter((r) => Number(r.disabled)).map((r) => String(r.id)));
      const winners = await this.numbersByDedupKey(t, 'certificates', [...new Set(calls.map((a) => a.dedupKey))]);
      const out: Array<Settled<CommitResult>> = [];
      const accepted: number[] = [];
      const duplicates: Array<{ i: number; winner: string }> = [];
      for (const [i, a] of calls.entries()) {
        const state = states.get(a.managementNo);
        const winner = winners.get(a.dedupKey);
        if (state !== 'reserved') out[i] = { ok: false, error: new EcertError('ERR_RESERVATION_LOST', { details: { managementNo: a.managementNo, state: state ?? 'unknown' } }) };
        else if (disabled.has(a.record.issuerId)) out[i] = { ok: false, error: new EcertError('ERR_ISSUER_DISABLED', { details: { issuerId: a.record.issuerId } }) };
        else if (winner !== undefined) duplicates.push({ i, winner });
        else {
          accepted.push(i);
          winners.set(a.dedupKey, a.managementNo);
        }
      }
      const audit: AuditInput[] = [];
      if (accepted.length) {
        const ok = accepted.map((i) => calls[i]);
        const rows = ok.map((a) => certificateRow(a.managementNo, a.dedupKey, a.record, a.now.toISOString()));
        await t.run(
          `INSERT INTO certificates (${CERTIFICATE_COLUMNS.join(', ')}) VALUES ${rows.map(() => `(${marks(CERTIFICATE_COLUMNS.length)})`).join(', ')}`,
          rows.flatMap((r) => CERTIFICATE_COLUMNS.map((c) => r[c])),
        );
        newParts.push(...(await this.storeDocuments(t, ok.map((a) => ({ managementNo: a.managementNo, version: 1, built: a.built, createdAt: a.now.toISOString() })))));
        await t.run(`UPDATE management_numbers SET state = 'issued', lease_until = NULL WHERE management_no IN (${marks(ok.length)})`, ok.map((a) => a.managementNo));
        const fromBatches = ok.filter((a) => a.batchRow);
        if (fromBatches.length) {
          const changed = await this.completeBatchRows(t, fromBatches.map((a) => ({ ...a.batchRow!, managementNo: a.managementNo })));
          const perBatch = new Map<string, number>();
          for (const batchId of changed) perBatch.set(batchId, (perBatch.get(batchId) ?? 0) + 1);
          for (const [batchId, n] of [...perBatch].sort(([x], [y]) => (x < y ? -1 : 1))) await this.countRows(t, batchId, { done: n }, ok[0].now.toISOString());
        }
        accepted.forEach((i, k) => {
          const a = calls[i];
          audit.push(issueAuditEntry(a));
          out[i] = { ok: true, value: { created: true, record: toRecord(rows[k], [{ version: 1, sha256: a.built.sha256, created_at: a.now.toISOString() }]) } };
        });
      }
      for (const { i, winner } of duplicates) {
        const a = calls[i];
        const reason = `duplicate: the same certificate was committed concurrently as ${winner}`;
        await this.markVoid(t, a.managementNo, reason, a.now);
        audit.push(voidAuditEntry(a.managementNo, reason, a.actor, a.now));
        out[i] = { ok: true, value: { created: false, record: (await this.loadCertificate(t, winner))! } };
      }
      await this.auditAll(t, audit);
      return out;
    });
    this.parts.committed(newParts);
    return out;
  }

  /**
   * Insert documents, each without its shared part (DocumentParts.ts), and the parts not yet
   * in the registry; answers those, to be remembered once the transaction has committed.
   */
  private async storeDocuments(t: SqlSession, docs: Array<{ managementNo: string; version: number; built: BuiltDocument; createdAt: string }>): Promise<Array<{ sha256: string; bytes: Buffer }>> {
    const forms = docs.map((d) => this.parts.split(d.built));
    // once each, when several documents of the group bring the same new part
    const byHash = new Map<string, { sha256: string; bytes: Buffer }>();
    for (const f of forms) if (f.newPart) byHash.set(f.newPart.sha256, f.newPart);
    const fresh = [...byHash.values()];
    if (fresh.length) {
      await t.run(
        `INSERT INTO document_parts (sha256, bytes, created_at) VALUES ${fresh.map(() => '(?, ?, ?)').join(', ')} ON CONFLICT (sha256) DO NOTHING`,
        fresh.flatMap((p) => [p.sha256, p.bytes, docs[0].createdAt]),
      );
    }
    await this.insertDocuments(
      t,
      docs.map((d, i) => ({ managementNo: d.managementNo, version: d.version, sha256: d.built.sha256, pdf: forms[i].pdf, partSha256: forms[i].part?.sha256 ?? null, partOffset: forms[i].part?.offset ?? null, createdAt: d.createdAt })),
    );
    return fresh;
  }

  /** Phase 2 for one call, in its own transaction. */
  private async commitOne(a: CommitIssueArgs): Promise<CommitResult> {
    try {
      const [r] = await this.commitGroup([a]);
      if (!r.ok) throw r.error;
      return r.value;
    } catch (e) {
      // PostgreSQL: the same identity inserted by another instance after our check
      if (!this.isUniqueViolation(e)) throw e;
      const other = await this.byDedupKey(this.db, a.dedupKey);
      if (!other) throw e;
      await this.voidReservation({ managementNo: a.managementNo, reason: `duplicate: the same certificate was committed concurrently as ${other}`, actor: a.actor, now: a.now });
      return { created: false, record: (await this.getCertificate(other))! };
    }
  }

  async voidReservation(a: { managementNo: string; reason: string; actor: string; now: Date }): Promise<void> {
    await this.transaction(async (t) => {
      const row = await first(t, `SELECT state FROM management_numbers WHERE management_no = ?${this.forUpdate}`, [a.managementNo]);
      if (row?.state === 'reserved') await this.voidNumber(t, a.managementNo, a.reason, a.actor, a.now);
    });
  }

  async voidExpiredReservations(now: Date): Promise<number> {
    // a cheap read first: almost always there is nothing to void and no write transaction is needed
    const any = await first(this.db, `SELECT 1 AS x FROM management_numbers WHERE state = 'reserved' AND lease_until <= ? LIMIT 1`, [now.getTime()]);
    if (!any) return 0;
    return this.transaction((t) => this.voidExpired(t, now));
  }

  async completeBatchRow(a: BatchRowRef & { managementNo: string; now: Date }): Promise<void> {
    await this.transaction((t) => this.completeRow(t, a, a.managementNo, a.now.toISOString()));
  }

  async searchCertificates(q: { managementNoPrefix?: string; holderName?: string; idNumberDigest?: string; qualification?: string; status?: 'valid' | 'revoked'; limit: number }): Promise<CertificateRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (col: string, v: string | undefined, op = '=') => v !== undefined && (where.push(`${col} ${op} ?`), params.push(v));
    if (q.managementNoPrefix !== undefined) {
      // a range of the primary key: every 管理号 is 14 digits and a check character 0-9 or X
      // (managementNumber.ts), so those starting with the prefix lie between these two
      const p = q.managementNoPrefix;
      if (!/^(?:\d{1,14}|\d{14}[\dX])$/.test(p)) throw new RangeError(`not a management number prefix: ${p}`);
      add('management_no', p.length === MANAGEMENT_NO_LENGTH ? p : p.padEnd(MANAGEMENT_NO_LENGTH, '0'), '>=');
      add('management_no', p.length === MANAGEMENT_NO_LENGTH ? p : p.padEnd(MANAGEMENT_NO_LENGTH - 1, '9') + 'X', '<=');
    }
    add('holder_name', q.holderName);
    add('id_number_digest', q.idNumberDigest);
    add('qualification', q.qualification);
    add('status', q.status);
    const limit = Math.max(1, Math.min(1000, Math.floor(q.limit) || 1));
    const rows = await this.db.all(`SELECT management_no FROM certificates ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, management_no DESC LIMIT ${limit}`, params);
    const out: CertificateRecord[] = [];
    for (const r of rows) out.push((await this.getCertificate(String(r.management_no)))!);
    return out;
  }

  async findByDedupKey(dedupKey: string): Promise<CertificateRecord | undefined> {
    const no = await this.byDedupKey(this.db, dedupKey);
    return no ? this.getCertificate(no) : undefined;
  }

  async accountNumbers(now: Date): Promise<NumberAccount> {
    const problems: string[] = [];
    const ranges = await this.db.all(
      `SELECT s.year, s.qualification_serial, s.last_seq, COUNT(m.management_no) AS n, MAX(m.seq) AS mx
       FROM certificate_sequences s LEFT JOIN management_numbers m ON m.year = s.year AND m.qualification_serial = s.qualification_serial
       GROUP BY s.year, s.qualification_serial, s.last_seq ORDER BY s.year, s.qualification_serial`,
    );
    let drawn = 0;
    for (const r of ranges) {
      const last = Number(r.last_seq);
      drawn += last;
      // (year, serial, seq) is unique and seq ≥ 1, so n = max = last_seq means 1..last_seq all present
      if (Number(r.n) !== last || Number(r.mx ?? 0) !== last) {
        problems.push(`${r.year}/${String(r.qualification_serial).padStart(3, '0')}: ${last} numbers drawn, ${r.n} accounted for`);
      }
    }
    const counts = await this.db.all(
      `SELECT state, CASE WHEN state = 'reserved' AND lease_until <= ? THEN 1 ELSE 0 END AS expired, COUNT(*) AS n FROM management_numbers GROUP BY 1, 2`,
      [now.getTime()],
    );
    const count = (state: string, expired = 0) => counts.filter((c) => c.state === state && Number(c.expired) === expired).reduce((x, c) => x + Number(c.n), 0);
    const orphanNumbers = await this.db.all(
      `SELECT m.management_no FROM management_numbers m LEFT JOIN certificates c ON c.management_no = m.management_no
       WHERE m.state = 'issued' AND c.management_no IS NULL ORDER BY m.management_no LIMIT 20`,
    );
    for (const o of orphanNumbers) problems.push(`${o.management_no} is marked issued but has no certificate`);
    const unaccounted = await this.db.all(
      `SELECT c.management_no, m.state FROM certificates c LEFT JOIN management_numbers m ON m.management_no = c.management_no
       WHERE m.state IS NULL OR m.state <> 'issued' ORDER BY c.management_no LIMIT 20`,
    );
    for (const u of unaccounted) problems.push(`certificate ${u.management_no} has number state ${u.state ?? 'missing'}`);
    const issued = count('issued');
    const voided = count('void');
    return { ok: problems.length === 0, drawn, issued, void: voided, reserved: count('reserved'), expired: count('reserved', 1), problems };
  }

  /**
   * Void the reservations whose lease has run out (a process that stopped between its two
   * phases), locked in 管理号 order (PostgreSQL: rows another transaction holds are skipped,
   * the next call gets them) so that concurrent calls never deadlock.
   */
  private async voidExpired(t: SqlSession, now: Date): Promise<number> {
    const skip = this.engine === 'postgres' ? ' SKIP LOCKED' : '';
    const expired = await t.all(
      `SELECT management_no FROM management_numbers WHERE state = 'reserved' AND lease_until <= ? ORDER BY management_no LIMIT ${PAGE}${this.forUpdate}${skip}`,
      [now.getTime()],
    );
    for (const r of expired) {
      await this.voidNumber(t, String(r.management_no), 'reservation lease expired without a commit (the issuing process stopped)', 'registry', now);
    }
    return expired.length;
  }

  private async voidNumber(t: SqlSession, managementNo: string, reason: string, actor: string, now: Date): Promise<void> {
    await this.markVoid(t, managementNo, reason, now);
    await this.audit(t, voidAuditEntry(managementNo, reason, actor, now));
  }

  private async markVoid(t: SqlSession, managementNo: string, reason: string, now: Date): Promise<void> {
    await t.run(`UPDATE management_numbers SET state = 'void', voided_at = ?, void_reason = ?, lease_until = NULL WHERE management_no = ?`, [
      now.toISOString(), reason.slice(0, MAX_ERROR_MESSAGE), managementNo,
    ]);
  }

  async reissue(a: ReissueArgs): Promise<CertificateRecord> {
    const at = a.now.toISOString();
    const newParts: Array<{ sha256: string; bytes: Buffer }> = [];
    const record = await this.transaction(async (t) => {
      const current = await this.lockValidCertificate(t, a.managementNo);
      if (current.currentVersion !== a.expectedVersion) {
        throw new EcertError('ERR_CONCURRENT_UPDATE', { details: { managementNo: a.managementNo, currentVersion: current.currentVersion } });
      }
      const version = current.currentVersion + 1;
      checkBuilt(a.built, a.managementNo, version);
      const c = a.changes;
      const pick = <K extends keyof typeof c>(k: K) => (k in c ? c[k] : current[k]);
      const changed = (Object.keys(c) as Array<keyof typeof c>).filter((k) => REISSUE_FIELDS.includes(k) && c[k] !== current[k]);
      if (a.dedupKey !== undefined) {
        const holder = await this.byDedupKey(t, a.dedupKey);
        if (holder && holder !== a.managementNo) {
          throw new EcertError('ERR_CONFLICTS_WITH_EXISTING', {
            zh: `更正后的信息与管理号 ${holder} 的证书相同`,
            en: `the corrected identity is that of certificate ${holder}`,
            details: { managementNo: holder },
          });
        }
        const [old] = await t.all('SELECT dedup_key FROM certificates WHERE management_no = ?', [a.managementNo]);
        if (old.dedup_key !== a.dedupKey) {
          await t.run('DELETE FROM retired_identities WHERE dedup_key = ?', [a.dedupKey]);
          await t.run('INSERT INTO retired_identities (dedup_key, management_no, retired_at) VALUES (?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING', [old.dedup_key, a.managementNo, at]);
        }
        await t.run('UPDATE certificates SET dedup_key = ? WHERE management_no = ?', [a.dedupKey, a.managementNo]);
        await t.run('UPDATE management_numbers SET dedup_key = ? WHERE management_no = ?', [a.dedupKey, a.managementNo]);
      }
      await t.run(
        `UPDATE certificates SET current_version = ?, specialty = ?, holder_name = ?, id_type = ?, id_number_masked = ?, id_number_digest = ?,
           sex = ?, birth = ?, approval_date = ?, issue_date = ? WHERE management_no = ?`,
        [version, pick('specialty') ?? null, pick('holderName'), pick('idType'), pick('idNumberMasked'), pick('idNumberDigest'),
          pick('sex'), pick('birth'), pick('approvalDate'), pick('issueDate'), a.managementNo],
      );
      await t.run('UPDATE documents SET superseded_at = ? WHERE management_no = ? AND superseded_at IS NULL', [at, a.managementNo]);
      newParts.push(...(await this.storeDocuments(t, [{ managementNo: a.managementNo, version, built: a.built, createdAt: at }])));
      await this.audit(t, { actor: a.actor, action: 'certificate.reissue', target: a.managementNo, details: { version, reason: a.reason, sha256: a.built.sha256, changed }, now: a.now });
      return (await this.loadCertificate(t, a.managementNo))!;
    });
    this.parts.committed(newParts);
    return record;
  }

  async revoke(a: { managementNo: string; reason: string; actor: string; now: Date }): Promise<CertificateRecord> {
    return this.transaction(async (t) => {
      await this.lockValidCertificate(t, a.managementNo);
      await t.run(`UPDATE certificates SET status = 'revoked', revoked_at = ?, revoked_by = ?, revocation_reason = ? WHERE management_no = ?`, [
        a.now.toISOString(), a.actor, a.reason, a.managementNo,
      ]);
      await this.audit(t, { actor: a.actor, action: 'certificate.revoke', target: a.managementNo, details: { reason: a.reason }, now: a.now });
      return (await this.loadCertificate(t, a.managementNo))!;
    });
  }

  getCertificate(managementNo: string): Promise<CertificateRecord | undefined> {
    return this.loadCertificate(this.db, managementNo);
  }

  async getDocument(managementNo: string, version?: number, revision?: number): Promise<StoredDocument | undefined> {
    const row =
      version === undefined
        ? await first(this.db, `${DOCUMENT_SELECT} JOIN certificates c ON c.management_no = d.management_no AND c.current_version = d.version WHERE d.management_no = ?`, [managementNo])
        : await first(this.db, `${DOCUMENT_SELECT} WHERE d.management_no = ? AND d.version = ?`, [managementNo, version]);
    if (!row) return undefined;
    const v = Number(row.version);
    const stored = () => ({
      pdf: DocumentParts.join({ pdf: toBuffer(row.pdf), sha256: String(row.sha256), part: row.part == null ? null : toBuffer(row.part), partOffset: row.part_offset == null ? null : Number(row.part_offset) }, managementNo),
      sha256: String(row.sha256),
      version: v,
      revision: 0,
    });
    if (revision === 0) return stored();
    const archived =
      revision === undefined
        ? await first(this.db, 'SELECT pdf, sha256, seq FROM archive_revisions WHERE management_no = ? AND version = ? ORDER BY seq DESC LIMIT 1', [managementNo, v])
        : await first(this.db, 'SELECT pdf, sha256, seq FROM archive_revisions WHERE management_no = ? AND version = ? AND seq = ?', [managementNo, v, revision]);
    if (archived) return { pdf: toBuffer(archived.pdf), sha256: String(archived.sha256), version: v, revision: Number(archived.seq) };
    return revision === undefined ? stored() : undefined;
  }

  async findDocumentBySha256(sha256: string): Promise<{ managementNo: string; version: number; superseded: boolean } | undefined> {
    const h = sha256.toLowerCase();
    const row =
      (await first(this.db, 'SELECT management_no, version, superseded_at FROM documents WHERE sha256 = ?', [h])) ??
      (await first(this.db, 'SELECT d.management_no, d.version, d.superseded_at FROM archive_revisions a JOIN documents d ON d.management_no = a.management_no AND d.version = a.version WHERE a.sha256 = ?', [h]));
    return row ? { managementNo: String(row.management_no), version: Number(row.version), superseded: row.superseded_at != null } : undefined;
  }

  async addArchiveRevision(a: { managementNo: string; version: number; basedOnSha256: string; pdf: Buffer; sha256: string; timestampedAt: Date; renewBefore: Date; actor: string; now: Date }): Promise<{ seq: number }> {
    if (createHash('sha256').update(a.pdf).digest('hex') !== a.sha256) throw new Error('archive revision: sha256 does not match the bytes');
    return this.transaction(async (t) => {
      const doc = await first(t, `SELECT sha256 FROM documents WHERE management_no = ? AND version = ?${this.forUpdate}`, [a.managementNo, a.version]);
      if (!doc) throw new EcertError('ERR_NOT_FOUND', { details: { managementNo: a.managementNo, version: a.version } });
      const last = await first(t, 'SELECT seq, sha256 FROM archive_revisions WHERE management_no = ? AND version = ? ORDER BY seq DESC LIMIT 1', [a.managementNo, a.version]);
      const newest = last ? String(last.sha256) : String(doc.sha256);
      if (newest !== a.basedOnSha256) throw new EcertError('ERR_CONCURRENT_UPDATE', { details: { managementNo: a.managementNo, version: a.version } });
      const seq = last ? Number(last.seq) + 1 : 1;
      await t.run('INSERT INTO archive_revisions (management_no, version, seq, sha256, pdf, created_at, timestamped_at, renew_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        a.managementNo, a.version, seq, a.sha256, a.pdf, a.now.toISOString(), a.timestampedAt.toISOString(), a.renewBefore.toISOString(),
      ]);
      await this.audit(t, { actor: a.actor, action: 'document.archive', target: a.managementNo, details: { version: a.version, seq, sha256: a.sha256, basedOn: a.basedOnSha256 }, now: a.now });
      return { seq };
    });
  }

  async listArchiveDue(a: { now: Date; limit: number; after?: { managementNo: string; version: number }; managementNos?: string[] }): Promise<ArchiveDue[]> {
    const params: unknown[] = [];
    let where = `c.status = 'valid'`;
    if (a.after) {
      where += ' AND (d.management_no > ? OR (d.management_no = ? AND d.version > ?))';
      params.push(a.after.managementNo, a.after.managementNo, a.after.version);
    }
    if (a.managementNos) {
      if (!a.managementNos.length) return [];
      where += ` AND d.management_no IN (${a.managementNos.map(() => '?').join(', ')})`;
      params.push(...a.managementNos);
    }
    const newest = (col: string) => `(SELECT r.${col} FROM archive_revisions r WHERE r.management_no = d.management_no AND r.version = d.version ORDER BY r.seq DESC LIMIT 1)`;
    const rows = await this.db.all(
      `SELECT * FROM (
         SELECT d.management_no, d.version, COALESCE(${newest('sha256')}, d.sha256) AS sha256, ${newest('renew_before')} AS renew_before,
                (SELECT COUNT(*) FROM archive_revisions r WHERE r.management_no = d.management_no AND r.version = d.version) AS revisions
         FROM documents d JOIN certificates c ON c.management_no = d.management_no WHERE ${where}
       ) x WHERE x.renew_before IS NULL OR x.renew_before <= ? ORDER BY x.management_no, x.version LIMIT ?`,
      [...params, a.now.toISOString(), Math.min(a.limit, PAGE)],
    );
    return rows.map((r) => ({ managementNo: String(r.management_no), version: Number(r.version), sha256: String(r.sha256), revisions: Number(r.revisions) }));
  }

  private async loadCertificate(s: SqlSession, managementNo: string): Promise<CertificateRecord | undefined> {
    const row = await first(s, 'SELECT * FROM certificates WHERE management_no = ?', [managementNo]);
    if (!row) return undefined;
    const docs = await s.all('SELECT version, sha256, created_at, superseded_at FROM documents WHERE management_no = ? ORDER BY version', [managementNo]);
    const archived = await s.all('SELECT version, seq, sha256, created_at, timestamped_at, renew_before FROM archive_revisions WHERE management_no = ? ORDER BY version, seq', [managementNo]);
    return toRecord(row, docs, archived);
  }

  private async byDedupKey(s: SqlSession, key: string): Promise<string | undefined> {
    const row = await first(s, 'SELECT management_no FROM certificates WHERE dedup_key = ?', [key]);
    return row ? String(row.management_no) : undefined;
  }

  /** Lock a certificate row for a state change: ERR_NOT_FOUND, ERR_CERTIFICATE_REVOKED. */
  private async lockValidCertificate(t: SqlSession, managementNo: string): Promise<CertificateRecord> {
    const locked = await first(t, `SELECT status FROM certificates WHERE management_no = ?${this.forUpdate}`, [managementNo]);
    if (!locked) throw new EcertError('ERR_NOT_FOUND', { details: { managementNo } });
    if (locked.status !== 'valid') throw new EcertError('ERR_CERTIFICATE_REVOKED', { details: { managementNo } });
    return (await this.loadCertificate(t, managementNo))!;
  }

  // ---------------------------------------------------------------- issuers

  async createIssuer(a: Issuer & { keyHash: string; actor: string; now: Date }): Promise<void> {
    await this.transaction(async (t) => {
      await t.run('INSERT INTO issuers (id, body_code, name, qualifications, key_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)', [
        a.id, a.bodyCode, a.name, JSON.stringify(a.qualifications), a.keyHash, a.now.toISOString(),
      ]);
      // never the key hash: the log is for reading
      await this.audit(t, { actor: a.actor, action: 'issuer.create', target: a.id, details: { bodyCode: a.bodyCode, name: a.name, qualifications: a.qualifications }, now: a.now });
    });
  }

  async findIssuerByKeyHash(keyHash: string): Promise<Issuer | undefined> {
    const row = await first(this.db, 'SELECT id, body_code, name, qualifications, disabled FROM issuers WHERE key_hash = ?', [keyHash]);
    return row ? toIssuer(row) : undefined;
  }

  async listIssuers(): Promise<Issuer[]> {
    return (await this.db.all('SELECT id, body_code, name, qualifications, disabled FROM issuers ORDER BY created_at, id')).map(toIssuer);
  }

  async disableIssuer(id: string, actor: string, now: Date): Promise<void> {
    await this.transaction(async (t) => {
      const changed = await t.run('UPDATE issuers SET disabled = 1, disabled_at = ? WHERE id = ? AND disabled = 0', [now.toISOString(), id]);
      if (!changed) {
        if (!(await first(t, 'SELECT 1 AS x FROM issuers WHERE id = ?', [id]))) throw new EcertError('ERR_NOT_FOUND', { details: { issuerId: id } });
        return; // already disabled
      }
      // its queued batch rows fail at once (issue 12): nothing more is issued in its name
      const e = new EcertError('ERR_ISSUER_DISABLED');
      const message = `${e.bilingual.zh} / ${e.bilingual.en}`;
      const at = now.toISOString();
      // counted from the rows actually changed (a concurrent commit may complete one meanwhile)
      const changedRows = await t.all(
        `UPDATE batch_rows SET state = 'failed', error_code = 'ERR_ISSUER_DISABLED', error_message = ?, payload = NULL, lease_owner = NULL, lease_until = NULL
         WHERE state = 'pending' AND batch_id IN (SELECT id FROM batches WHERE issuer_id = ?) RETURNING batch_id`,
        [message, id],
      );
      const perBatch = new Map<string, number>();
      for (const r of changedRows) perBatch.set(String(r.batch_id), (perBatch.get(String(r.batch_id)) ?? 0) + 1);
      const affected = [...perBatch].sort(([x], [y]) => (x < y ? -1 : 1)).map(([batch_id, n]) => ({ batch_id, n }));
      for (const b of affected) {
        await t.run(
          `UPDATE batches SET failed = failed + ?, finished_at = CASE WHEN finished_at IS NULL AND done + failed + ? >= total THEN ? ELSE finished_at END WHERE id = ?`,
          [Number(b.n), Number(b.n), at, b.batch_id],
        );
      }
      await this.audit(t, { actor, action: 'issuer.disable', target: id, details: { batchRowsFailed: affected.reduce((x, b) => x + Number(b.n), 0) }, now });
    });
  }

  // ---------------------------------------------------------------- batches

  async createBatch(a: { id: string; issuerId: string; rows: Iterable<NewBatchRow>; now: Date; actor?: string; owner?: string }): Promise<boolean> {
    const at = a.now.toISOString();
    return this.transaction(async (t) => {
      const inserted = await t.run('INSERT INTO batches (id, issuer_id, total, created_at, finished_at, owner) VALUES (?, ?, 0, ?, NULL, ?) ON CONFLICT (id) DO NOTHING', [a.id, a.issuerId, at, a.owner ?? null]);
      if (!inserted) return false; // the same batch, submitted twice (or at the same time)
      // rows are read (and serialised) a slice at a time: a large cohort is never held whole
      let total = 0;
      let columns: Readonly<Record<string, string>> | undefined;
      let slice: Array<{ rowNo: number; payload: string }> = [];
      const flush = async () => {
        if (slice.length) await this.insertBatchRows(t, a.id, slice);
        slice = [];
      };
      for (const r of a.rows) {
        if (!Number.isSafeInteger(r.rowNo) || r.rowNo < 1) throw new RangeError(`batch row number must be a positive integer: ${r.rowNo}`);
        slice.push({ rowNo: r.rowNo, payload: JSON.stringify(r.payload ?? null) });
        columns ??= r.columns;
        total++;
        if (slice.length >= BATCH_ROWS_SLICE) await flush();
      }
      await flush();
      await t.run('UPDATE batches SET total = ?, finished_at = ?, columns = ? WHERE id = ?', [total, total ? null : at, columns ? JSON.stringify(columns) : null, a.id]);
      if (a.actor) await this.audit(t, { actor: a.actor, action: 'batch.submit', target: a.id, details: { rows: total }, now: a.now });
      return true;
    });
  }

  async setBatchOwner(batchId: string, owner: string | null): Promise<void> {
    await this.transaction((t) => t.run('UPDATE batches SET owner = ? WHERE id = ?', [owner, batchId]));
  }

  async deferBatchRow(a: BatchRowRef & { code: string; message: string; now: Date; maxAttempts: number; backoffMs: number }): Promise<'retry' | 'failed'> {
    const at = a.now.toISOString();
    return this.transaction(async (t) => {
      const row = await first(t, `SELECT attempts, state FROM batch_rows WHERE batch_id = ? AND row_no = ?${this.forUpdate}`, [a.batchId, a.rowNo]);
      if (!row || row.state !== 'pending') return 'failed';
      const attempts = Number(row.attempts) + 1;
      if (attempts >= a.maxAttempts) {
        await t.run(
          `UPDATE batch_rows SET state = 'failed', attempts = ?, error_code = ?, error_message = ?, payload = NULL, lease_owner = NULL, lease_until = NULL
           WHERE batch_id = ? AND row_no = ?`,
          [attempts, a.code, `${a.message} (${attempts} attempts)`.slice(0, MAX_ERROR_MESSAGE), a.batchId, a.rowNo],
        );
        await this.countRows(t, a.batchId, { failed: 1 }, at);
        return 'failed';
      }
      await t.run('UPDATE batch_rows SET attempts = ?, lease_owner = NULL, lease_until = ? WHERE batch_id = ? AND row_no = ?', [
        attempts, a.now.getTime() + a.backoffMs * 2 ** (attempts - 1), a.batchId, a.rowNo,
      ]);
      return 'retry';
    });
  }

  async claimBatchRows(a: ClaimArgs): Promise<ClaimedRow[]> {
    if (!Number.isInteger(a.limit) || a.limit < 1) return [];
    await this.voidExpiredReservations(a.now);
    const rows = await this.transaction((t) => this.claimRows(t, { ...a, limit: Math.min(a.limit, MAX_CLAIM) }));
    const columns = new Map<string, Readonly<Record<string, string>>>(); // parsed once per batch
    const columnsOf = (json: unknown) => {
      if (typeof json !== 'string') return undefined;
      if (!columns.has(json)) columns.set(json, JSON.parse(json) as Record<string, string>);
      return columns.get(json);
    };
    return rows
      .map((r) => ({ batchId: String(r.batch_id), rowNo: Number(r.row_no), payload: JSON.parse(String(r.payload)) as unknown, issuerId: String(r.issuer_id), columns: columnsOf(r.columns) }))
      .sort((x, y) => (x.batchId === y.batchId ? x.rowNo - y.rowNo : x.batchId < y.batchId ? -1 : 1));
  }

  async releaseBatchLeases(batchId: string): Promise<void> {
    await this.transaction((t) => t.run(`UPDATE batch_rows SET lease_owner = NULL, lease_until = NULL WHERE batch_id = ? AND state = 'pending' AND lease_until IS NOT NULL`, [batchId]));
  }

  async failBatchRow(a: BatchRowRef & { code: string; message: string; now?: Date }): Promise<void> {
    const at = (a.now ?? new Date()).toISOString();
    await this.transaction(async (t) => {
      const changed = await t.run(
        `UPDATE batch_rows SET state = 'failed', error_code = ?, error_message = ?, payload = NULL, lease_owner = NULL, lease_until = NULL
         WHERE batch_id = ? AND row_no = ? AND state = 'pending'`,
        [a.code, a.message.slice(0, MAX_ERROR_MESSAGE), a.batchId, a.rowNo],
      );
      if (changed) await this.countRows(t, a.batchId, { failed: 1 }, at);
    });
  }

  async getBatch(batchId: string, opts: { errorsAfter?: number; errorLimit?: number } = {}): Promise<BatchStatus | undefined> {
    const b = await first(this.db, 'SELECT * FROM batches WHERE id = ?', [batchId]);
    if (!b) return undefined;
    const limit = Math.min(opts.errorLimit ?? BATCH_ERRORS_LISTED, BATCH_ERRORS_LISTED);
    const errors = limit > 0 ? await this.batchErrors(batchId, opts.errorsAfter ?? 0, limit + 1) : [];
    const more = errors.length > limit;
    if (more) errors.length = limit;
    const total = Number(b.total);
    const done = Number(b.done);
    const failed = Number(b.failed);
    return {
      id: String(b.id),
      issuerId: String(b.issuer_id),
      total,
      done,
      failed,
      pending: total - done - failed,
      errors,
      ...(more ? { errorsNext: errors[limit - 1].row } : {}),
      createdAt: String(b.created_at),
      ...(b.finished_at != null ? { finishedAt: String(b.finished_at) } : {}),
      ...(b.owner != null ? { owner: String(b.owner) } : {}),
    };
  }

  async *listBatchErrors(batchId: string): AsyncIterable<BatchError> {
    for (let after = 0; ; ) {
      const page = await this.batchErrors(batchId, after, PAGE);
      yield* page;
      if (page.length < PAGE) return;
      after = page[page.length - 1].row;
    }
  }

  private async batchErrors(batchId: string, afterRow: number, limit: number): Promise<BatchError[]> {
    const rows = await this.db.all(`SELECT row_no, error_code, error_message FROM batch_rows WHERE batch_id = ? AND state = 'failed' AND row_no > ? ORDER BY row_no LIMIT ${limit}`, [batchId, afterRow]);
    return rows.map((e) => ({ row: Number(e.row_no), code: String(e.error_code), message: String(e.error_message) }));
  }

  async *listBatchCertificates(batchId: string): AsyncIterable<{ rowNo: number; managementNo: string }> {
    for (let after = 0; ; ) {
      const page = await this.db.all(`SELECT row_no, management_no FROM batch_rows WHERE batch_id = ? AND state = 'done' AND row_no > ? ORDER BY row_no LIMIT ${PAGE}`, [batchId, after]);
      for (const r of page) yield { rowNo: Number(r.row_no), managementNo: String(r.management_no) };
      if (page.length < PAGE) return;
      after = Number(page[page.length - 1].row_no);
    }
  }

  /** Mark a pending row done with its 管理号 (no effect when another worker finished it first). */
  private async completeRow(t: SqlSession, row: BatchRowRef, managementNo: string, at: string): Promise<void> {
    const changed = await this.completeBatchRows(t, [{ ...row, managementNo }]);
    if (changed.length) await this.countRows(t, row.batchId, { done: 1 }, at);
  }

  /** Progress counters on the batch row (locked until commit), finished when nothing is pending. */
  private async countRows(t: SqlSession, batchId: string, n: { done?: number; failed?: number }, at: string): Promise<void> {
    const [d, f] = [n.done ?? 0, n.failed ?? 0];
    await t.run(
      `UPDATE batches SET done = done + ?, failed = failed + ?,
         finished_at = CASE WHEN finished_at IS NULL AND done + failed + ? >= total THEN ? ELSE finished_at END
       WHERE id = ?`,
      [d, f, d + f, at, batchId],
    );
  }

  // ---------------------------------------------------------------- audit

  // ---------------------------------------------------------------- holder look-up guard

  async countLookupFailure(managementNo: string, day: string): Promise<number> {
    return this.transaction(async (t) => {
      const [row] = await t.all(
        `INSERT INTO holder_lookup_failures (management_no, day, failures) VALUES (?, ?, 1)
         ON CONFLICT (management_no, day) DO UPDATE SET failures = holder_lookup_failures.failures + 1
         RETURNING failures`,
        [managementNo, day],
      );
      // days before yesterday are of no use any more
      await t.run('DELETE FROM holder_lookup_failures WHERE management_no = ? AND day < ?', [managementNo, previousDay(day)]);
      return Number(row.failures);
    });
  }

  async lookupFailures(managementNo: string, day: string): Promise<number> {
    const row = await first(this.db, 'SELECT failures FROM holder_lookup_failures WHERE management_no = ? AND day = ?', [managementNo, day]);
    return row ? Number(row.failures) : 0;
  }

  async spendChallenge(id: string, expiresAt: Date, now: Date): Promise<boolean> {
    return this.transaction(async (t) => {
      await t.run('DELETE FROM spent_challenges WHERE expires_at < ?', [now.toISOString()]);
      try {
        return (await t.run('INSERT INTO spent_challenges (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', [id, expiresAt.toISOString()])) === 1;
      } catch (e) {
        if (this.isUniqueViolation(e)) return false;
        throw e;
      }
    });
  }

  // ---------------------------------------------------------------- issue 15: annotated copies (加注)

  async createAnnotation(a: NewAnnotation): Promise<AnnotationRecord> {
    const actual = createHash('sha256').update(a.pdf).digest('hex');
    if (actual !== a.sha256) throw new EcertError('ERR_INTERNAL', { en: 'annotated copy rejected: sha256 does not match the PDF bytes' });
    const at = a.now.toISOString();
    return this.transaction(async (t) => {
      // the certificate row lock serialises creations of one certificate (PostgreSQL; SQLite locks the database)
      const record = await this.lockValidCertificate(t, a.managementNo);
      if (record.currentVersion !== a.version) throw new EcertError('ERR_CONCURRENT_UPDATE', { details: { managementNo: a.managementNo, currentVersion: record.currentVersion } });
      const valid = await t.all(`SELECT valid_until FROM annotations WHERE management_no = ? AND status = 'active' AND valid_until >= ? ORDER BY valid_until`, [a.managementNo, a.today]);
      if (valid.length >= a.maxValid) {
        const nextPossible = nextDay(String(valid[0].valid_until));
        throw new EcertError('ERR_ANNOTATION_LIMIT', {
          zh: `该证书已有 ${valid.length} 个有效的加注件，${nextPossible} 起可再生成`,
          en: `this certificate has ${valid.length} valid annotated copies; the next can be made from ${nextPossible}`,
          details: { validAnnotations: valid.length, max: a.maxValid, nextPossible },
        });
      }
      await t.run(
        `INSERT INTO annotations (id, management_no, version, purpose, created_at, valid_until, status, sha256, pdf) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)`,
        [a.id, a.managementNo, a.version, a.purpose, at, a.validUntil, a.sha256, a.pdf],
      );
      await this.audit(t, { actor: a.actor, action: 'annotation.create', target: a.managementNo, details: { id: a.id, version: a.version, purpose: a.purpose, validUntil: a.validUntil, sha256: a.sha256 }, now: a.now });
      return (await this.annotationWhere(t, 'id = ?', [a.id]))!;
    });
  }

  async listAnnotations(managementNo: string): Promise<AnnotationRecord[]> {
    const rows = await this.db.all(`SELECT ${ANNOTATION_COLUMNS} FROM annotations WHERE management_no = ? ORDER BY created_at DESC, id`, [managementNo]);
    return rows.map(toAnnotation);
  }

  getAnnotation(id: string): Promise<AnnotationRecord | undefined> {
    return this.annotationWhere(this.db, 'id = ?', [id]);
  }

  findAnnotationBySha256(sha256: string): Promise<AnnotationRecord | undefined> {
    return this.annotationWhere(this.db, 'sha256 = ?', [sha256.toLowerCase()]);
  }

  async withdrawAnnotation(a: { id: string; managementNo: string; actor: string; now: Date }): Promise<AnnotationRecord> {
    return this.transaction(async (t) => {
      const row = await first(t, `SELECT status FROM annotations WHERE id = ? AND management_no = ?${this.forUpdate}`, [a.id, a.managementNo]);
      if (!row) throw new EcertError('ERR_NOT_FOUND', { details: { annotationId: a.id } });
      if (row.status === 'active') {
        await t.run(`UPDATE annotations SET status = 'withdrawn', withdrawn_at = ? WHERE id = ?`, [a.now.toISOString(), a.id]);
        await this.audit(t, { actor: a.actor, action: 'annotation.withdraw', target: a.managementNo, details: { id: a.id }, now: a.now });
      }
      return (await this.annotationWhere(t, 'id = ?', [a.id]))!;
    });
  }

  private async annotationWhere(s: SqlSession, where: string, params: unknown[]): Promise<AnnotationRecord | undefined> {
    const row = await first(s, `SELECT ${ANNOTATION_COLUMNS} FROM annotations WHERE ${where}`, params);
    return row ? toAnnotation(row) : undefined;
  }

  async appendAudit(e: AuditInput): Promise<void> {
    await this.transaction((t) => this.audit(t, e));
  }

  /** Append inside the caller's transaction; the head row lock orders entries across instances. */
  protected audit(t: SqlSession, e: AuditInput): Promise<void> {
    return this.auditAll(t, [e]);
  }

  /** Append entries in order inside the caller's transaction, the head locked once. */
  private async auditAll(t: SqlSession, entries: AuditInput[]): Promise<void> {
    if (!entries.length) return;
    const head = (await first(t, `SELECT seq, hash FROM audit_head WHERE id = 1${this.forUpdate}`))!;
    let seq = Number(head.seq);
    let prev = String(head.hash);
    const values: unknown[] = [];
    for (const e of entries) {
      const entry: AuditEntry = { seq: ++seq, at: e.now.toISOString(), actor: e.actor, action: e.action, target: e.target, details: normaliseDetails(e.details) };
      const hash = auditHash(prev, entry);
      values.push(entry.seq, entry.at, entry.actor, entry.action, entry.target, entry.details === null ? null : JSON.stringify(entry.details), prev, hash);
      prev = hash;
    }
    await t.run(`INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash) VALUES ${entries.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, values);
    await t.run('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [seq, prev]);
  }

  /**
   * Walk the chain up to the head read first (entries appended meanwhile are left for the next
   * run), page by page. Reports the first entry that is missing, altered or out of place.
   */
  async verifyAudit(): Promise<AuditVerdict> {
    const head = (await first(this.db, 'SELECT seq, hash FROM audit_head WHERE id = 1'))!;
    const headSeq = Number(head.seq);
    let prev = GENESIS_HASH;
    let entries = 0;
    const bad = (seq: number, problem: string): AuditVerdict => ({ ok: false, entries, firstBadSeq: seq, problem });
    while (entries < headSeq) {
      const page = await this.db.all('SELECT * FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?', [entries, headSeq, PAGE]);
      if (!page.length) return bad(entries + 1, `entries ${entries + 1}-${headSeq} are missing (the head is at ${headSeq})`);
      for (const r of page) {
        const seq = Number(r.seq);
        if (seq !== entries + 1) return bad(entries + 1, `entry ${entries + 1} is missing`);
        let details: Record<string, unknown> | null;
        try {
          details = r.details == null ? null : (JSON.parse(String(r.details)) as Record<string, unknown>);
        } catch {
          return bad(seq, `entry ${seq} has unreadable details`);
        }
        const entry: AuditEntry = { seq, at: String(r.at), actor: String(r.actor), action: String(r.action), target: String(r.target), details };
        if (r.prev_hash !== prev) return bad(seq, `entry ${seq} does not link to entry ${seq - 1}`);
        if (auditHash(prev, entry) !== r.hash) return bad(seq, `entry ${seq} was altered`);
        prev = String(r.hash);
        entries++;
      }
    }
    if (prev !== head.hash) return bad(headSeq, `the last entry ${headSeq} does not match the chain head`);
    // rows beyond the head that no committed append accounts for (the head is re-read after them)
    const max = Number((await first(this.db, 'SELECT MAX(seq) AS m FROM audit_log'))?.m ?? 0);
    const head2 = Number((await first(this.db, 'SELECT seq FROM audit_head WHERE id = 1'))!.seq);
    if (max > head2) return bad(head2 + 1, `entries after the chain head (${head2}) were inserted`);
    return { ok: true, entries, headHash: prev };
  }
}

/** The fields a re-issue may change (ReissueChanges). */
const REISSUE_FIELDS: readonly string[] = ['specialty', 'holderName', 'idType', 'idNumberMasked', 'idNumberDigest', 'sex', 'birth', 'approvalDate', 'issueDate'];

/** The document must be what it claims: its own hash, this 管理号, this version. */
function checkBuilt(b: BuiltDocument, managementNo: string, version: number): void {
  const actual = createHash('sha256').update(b.pdf).digest('hex');
  const problems = [
    actual !== b.sha256 && 'sha256 does not match the PDF bytes',
    b.data?.managementNo !== managementNo && `document carries 管理号 ${b.data?.managementNo}, expected ${managementNo}`,
    b.data?.version !== version && `document carries version ${b.data?.version}, expected ${version}`,
  ].filter(Boolean);
  if (problems.length) throw new EcertError('ERR_INTERNAL', { en: `built document rejected: ${problems.join('; ')}` });
}

/** `?, ?, …` for an IN list of n values. */
function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** A documents row with its shared part's bytes (DocumentParts.ts), for `WHERE` or `JOIN` clauses on `d`. */
const DOCUMENT_SELECT = 'SELECT d.pdf, d.sha256, d.version, d.part_offset, p.bytes AS part FROM documents d LEFT JOIN document_parts p ON p.sha256 = d.part_sha256';

const CERTIFICATE_COLUMNS = [
  'management_no', 'dedup_key', 'qualification', 'specialty', 'holder_name', 'id_type', 'id_number_masked', 'id_number_digest',
  'sex', 'birth', 'approval_date', 'issue_date', 'issuer_body', 'issuer_id', 'status', 'current_version', 'created_at',
] as const;

/** The certificates row of a new record. */
function certificateRow(managementNo: string, dedupKey: string, r: NewRecord, at: string): Record<(typeof CERTIFICATE_COLUMNS)[number], unknown> {
  return {
    management_no: managementNo, dedup_key: dedupKey, qualification: r.qualification, specialty: r.specialty ?? null, holder_name: r.holderName, id_type: r.idType,
    id_number_masked: r.idNumberMasked, id_number_digest: r.idNumberDigest, sex: r.sex, birth: r.birth, approval_date: r.approvalDate, issue_date: r.issueDate,
    issuer_body: r.issuerBody, issuer_id: r.issuerId, status: 'valid', current_version: 1, created_at: at,
  };
}

function issueAuditEntry(a: CommitIssueArgs): AuditInput {
  return {
    actor: a.actor,
    action: 'certificate.issue',
    target: a.managementNo,
    details: { qualification: a.record.qualification, version: 1, sha256: a.built.sha256, ...(a.batchRow ? { batchId: a.batchRow.batchId, rowNo: a.batchRow.rowNo } : {}) },
    now: a.now,
  };
}

function voidAuditEntry(managementNo: string, reason: string, actor: string, now: Date): AuditInput {
  return { actor, action: 'number.void', target: managementNo, details: { reason: reason.slice(0, MAX_ERROR_MESSAGE) }, now };
}

function toBuffer(v: unknown): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array);
}

function archiveRevisionsOf(version: number, rows: Row[]): Pick<DocumentInfo, 'archiveRevisions'> {
  const mine = rows.filter((a) => Number(a.version) === version);
  return mine.length
    ? { archiveRevisions: mine.map((a) => ({ seq: Number(a.seq), sha256: String(a.sha256), createdAt: String(a.created_at), timestampedAt: String(a.timestamped_at), renewBefore: String(a.renew_before) })) }
    : {};
}

function toRecord(r: Row, docs: Row[], archived: Row[] = []): CertificateRecord {
  const opt = (k: string) => (r[k] == null ? undefined : String(r[k]));
  const revokedAt = opt('revoked_at');
  const specialty = opt('specialty');
  return {
    managementNo: String(r.management_no),
    qualification: String(r.qualification),
    ...(specialty !== undefined ? { specialty } : {}),
    holderName: String(r.holder_name),
    idType: String(r.id_type) as CertificateRecord['idType'],
    idNumberMasked: String(r.id_number_masked),
    idNumberDigest: String(r.id_number_digest),
    sex: String(r.sex) as CertificateRecord['sex'],
    birth: String(r.birth),
    approvalDate: String(r.approval_date),
    issueDate: String(r.issue_date),
    issuerBody: String(r.issuer_body),
    issuerId: String(r.issuer_id),
    status: String(r.status) as CertificateRecord['status'],
    currentVersion: Number(r.current_version),
    createdAt: String(r.created_at),
    ...(revokedAt !== undefined ? { revokedAt, revokedBy: opt('revoked_by'), revocationReason: opt('revocation_reason') } : {}),
    documents: docs.map((d) => ({
      version: Number(d.version),
      sha256: String(d.sha256),
      createdAt: String(d.created_at),
      ...(d.superseded_at != null ? { supersededAt: String(d.superseded_at) } : {}),
      ...archiveRevisionsOf(Number(d.version), archived),
    })),
  };
}

function toIssuer(r: Row): Issuer {
  return {
    id: String(r.id),
    bodyCode: String(r.body_code),
    name: String(r.name),
    qualifications: JSON.parse(String(r.qualifications)) as string[],
    ...(Number(r.disabled) ? { disabled: true } : {}),
  };
}

/** The day after `day` (YYYY-MM-DD): when the earliest valid annotation has ended (issue 15). */
function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

// ---- issue 15: annotated copies (加注)

const ANNOTATION_COLUMNS = 'id, management_no, version, purpose, created_at, valid_until, status, withdrawn_at, sha256';

function toAnnotation(r: Row): AnnotationRecord {
  return {
    id: String(r.id),
    managementNo: String(r.management_no),
    version: Number(r.version),
    purpose: String(r.purpose),
    createdAt: String(r.created_at),
    validUntil: String(r.valid_until),
    status: String(r.status) as AnnotationRecord['status'],
    ...(r.withdrawn_at != null ? { withdrawnAt: String(r.withdrawn_at) } : {}),
    sha256: String(r.sha256),
  };
}
