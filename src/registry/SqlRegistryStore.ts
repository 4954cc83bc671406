import { EcertError } from '../core/errors';
import { auditHash, GENESIS_HASH, type AuditEntry } from './auditChain';
import { formatManagementNo } from './managementNumber';
import { MIGRATIONS } from './migrations';
import type { SqlDriver } from './SqlDriver';
import type { BatchRowRef, BatchStatus, CertificateRecord, ClaimedRow, Issuer, NewRecord, RegistryStore } from './RegistryStore';

type Row = Record<string, unknown>;

/**
 * The registry on SQL, written once for both engines (SqliteDriver, PostgresDriver). Every
 * write goes through a transaction; the audit chain's head row is locked by each append, so
 * entries are chained in commit order even with several instances.
 */
export class SqlRegistryStore implements RegistryStore {
  constructor(private readonly db: SqlDriver) {}

  get engine() {
    return this.db.engine;
  }

  async migrate(): Promise<void> {
    await this.db.withMigrationLock(async () => {
      await this.db.tx(async (t) => {
        await t.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      });
      const applied = new Set((await this.db.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await this.db.tx(async (t) => {
          const sql = m.sql.replaceAll('{blob}', this.db.engine === 'postgres' ? 'BYTEA' : 'BLOB');
          for (const stmt of sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await t.run(stmt);
          await t.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, new Date().toISOString()]);
        });
      }
    });
  }

  async ping(): Promise<void> {
    await this.db.all('SELECT 1 AS ok');
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ---------------------------------------------------------------- certificates

  async issue(args: Parameters<RegistryStore['issue']>[0]): Promise<{ created: boolean; record: CertificateRecord }> {
    const existing = await this.byDedupKey(args.dedupKey);
    if (existing) return { created: false, record: await this.finishRowWithExisting(existing, args.batchRow) };

    const managementNo = await this.allocate(args.year, args.qualificationSerial);
    const built = await args.build(managementNo);
    const at = args.now.toISOString();
    const r = args.record;
    try {
      await this.db.tx(async (t) => {
        await t.run(
          `INSERT INTO certificates (management_no, dedup_key, qualification, specialty, holder_name, id_type, id_number_masked, id_number_digest,
             sex, birth, approval_date, issue_date, issuer_body, issuer_id, status, current_version, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'valid', 1, ?)`,
          [managementNo, args.dedupKey, r.qualification, r.specialty ?? null, r.holderName, r.idType, r.idNumberMasked, r.idNumberDigest, r.sex, r.birth, r.approvalDate, r.issueDate, r.issuerBody, r.issuerId, at],
        );
        await t.run('INSERT INTO documents (management_no, version, sha256, pdf, created_at) VALUES (?, 1, ?, ?, ?)', [managementNo, built.sha256, built.pdf, at]);
        await this.audit(t, { actor: args.actor, action: 'certificate.issue', target: managementNo, details: { qualification: r.qualification, sha256: built.sha256, ...(args.batchRow ? { batch: args.batchRow.batchId, row: args.batchRow.rowNo } : {}) }, now: args.now });
        if (args.batchRow) await this.completeRow(t, args.batchRow, managementNo, at);
      });
    } catch (e) {
      if (this.db.isUniqueViolation(e)) {
        // a concurrent request issued the same certificate first: return that one
        const winner = await this.byDedupKey(args.dedupKey);
        if (winner) return { created: false, record: await this.finishRowWithExisting(winner, args.batchRow) };
      }
      throw e;
    }
    return { created: true, record: (await this.getCertificate(managementNo))! };
  }

  async reissue(args: Parameters<RegistryStore['reissue']>[0]): Promise<CertificateRecord> {
    const current = await this.getCertificate(args.managementNo);
    if (!current) throw new EcertError('ERR_NOT_FOUND');
    const version = current.currentVersion + 1;
    const built = await args.build(args.managementNo, version);
    const at = args.now.toISOString();
    const c = { ...current, ...args.changes };
    await this.db.tx(async (t) => {
      const moved = await t.run(
        `UPDATE certificates SET current_version = ?, specialty = ?, holder_name = ?, id_type = ?, id_number_masked = ?, id_number_digest = ?, sex = ?, birth = ?,
           approval_date = ?, issue_date = ? WHERE management_no = ? AND current_version = ? AND status = 'valid'`,
        [version, c.specialty ?? null, c.holderName, c.idType, c.idNumberMasked, c.idNumberDigest, c.sex, c.birth, c.approvalDate, c.issueDate, args.managementNo, current.currentVersion],
      );
      if (moved !== 1) throw new EcertError('ERR_CERTIFICATE_REVOKED', { en: 'the certificate changed meanwhile (revoked or re-issued)' });
      await t.run('UPDATE documents SET superseded_at = ? WHERE management_no = ? AND version = ?', [at, args.managementNo, current.currentVersion]);
      await t.run('INSERT INTO documents (management_no, version, sha256, pdf, created_at) VALUES (?, ?, ?, ?, ?)', [args.managementNo, version, built.sha256, built.pdf, at]);
      await this.audit(t, { actor: args.actor, action: 'certificate.reissue', target: args.managementNo, details: { version, reason: args.reason, sha256: built.sha256 }, now: args.now });
    });
    return (await this.getCertificate(args.managementNo))!;
  }

  async revoke(args: { managementNo: string; reason: string; actor: string; now: Date }): Promise<CertificateRecord> {
    const at = args.now.toISOString();
    await this.db.tx(async (t) => {
      const n = await t.run(`UPDATE certificates SET status = 'revoked', revoked_at = ?, revoked_by = ?, revocation_reason = ? WHERE management_no = ? AND status = 'valid'`, [at, args.actor, args.reason, args.managementNo]);
      if (n !== 1) throw new EcertError('ERR_CERTIFICATE_REVOKED', { details: { managementNo: args.managementNo } });
      await this.audit(t, { actor: args.actor, action: 'certificate.revoke', target: args.managementNo, details: { reason: args.reason }, now: args.now });
    });
    return (await this.getCertificate(args.managementNo))!;
  }

  async getCertificate(managementNo: string): Promise<CertificateRecord | undefined> {
    const [row] = await this.db.all<Row>('SELECT * FROM certificates WHERE management_no = ?', [managementNo]);
    if (!row) return undefined;
    const docs = await this.db.all<Row>('SELECT version, sha256, created_at, superseded_at FROM documents WHERE management_no = ? ORDER BY version', [managementNo]);
    return toRecord(row, docs);
  }

  async getDocument(managementNo: string, version?: number) {
    const [row] = await this.db.all<Row>(
      version === undefined
        ? 'SELECT d.pdf, d.sha256, d.version FROM documents d JOIN certificates c ON c.management_no = d.management_no AND c.current_version = d.version WHERE d.management_no = ?'
        : 'SELECT pdf, sha256, version FROM documents WHERE management_no = ? AND version = ?',
      version === undefined ? [managementNo] : [managementNo, version],
    );
    return row ? { pdf: Buffer.from(row.pdf as Uint8Array), sha256: String(row.sha256), version: Number(row.version) } : undefined;
  }

  async findDocumentBySha256(sha256: string) {
    const [row] = await this.db.all<Row>('SELECT management_no, version, superseded_at FROM documents WHERE sha256 = ?', [sha256]);
    return row ? { managementNo: String(row.management_no), version: Number(row.version), superseded: row.superseded_at != null } : undefined;
  }

  private async byDedupKey(key: string): Promise<string | undefined> {
    const [row] = await this.db.all<Row>('SELECT management_no FROM certificates WHERE dedup_key = ?', [key]);
    return row ? String(row.management_no) : undefined;
  }

  private async finishRowWithExisting(managementNo: string, batchRow?: BatchRowRef): Promise<CertificateRecord> {
    if (batchRow) await this.db.tx((t) => this.completeRow(t, batchRow, managementNo, new Date().toISOString()));
    return (await this.getCertificate(managementNo))!;
  }

  /** Draw the next sequence number of (year, qualification), like a database sequence: never reused. */
  private async allocate(year: number, serial: number): Promise<string> {
    const seq = await this.db.tx(async (t) => {
      const [row] = await t.all<{ next_seq: number }>(
        `INSERT INTO sequences (year, qualification_serial, next_seq) VALUES (?, ?, 2)
         ON CONFLICT (year, qualification_serial) DO UPDATE SET next_seq = sequences.next_seq + 1
         RETURNING next_seq - 1 AS next_seq`,
        [year, serial],
      );
      return Number(row.next_seq);
    });
    return formatManagementNo(year, serial, seq);
  }

  // ---------------------------------------------------------------- issuers

  async createIssuer(a: Issuer & { keyHash: string; actor: string; now: Date }): Promise<void> {
    await this.db.tx(async (t) => {
      await t.run('INSERT INTO issuers (id, body_code, name, qualifications, key_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)', [a.id, a.bodyCode, a.name, JSON.stringify(a.qualifications), a.keyHash, a.now.toISOString()]);
      await this.audit(t, { actor: a.actor, action: 'issuer.create', target: a.id, details: { bodyCode: a.bodyCode, qualifications: a.qualifications }, now: a.now });
    });
  }

  async findIssuerByKeyHash(keyHash: string): Promise<Issuer | undefined> {
    const [row] = await this.db.all<Row>('SELECT * FROM issuers WHERE key_hash = ?', [keyHash]);
    return row ? toIssuer(row) : undefined;
  }

  async listIssuers(): Promise<Issuer[]> {
    return (await this.db.all<Row>('SELECT * FROM issuers ORDER BY created_at, id')).map(toIssuer);
  }

  // ---------------------------------------------------------------- batches

  async createBatch(a: { id: string; issuerId: string; rows: Array<{ rowNo: number; payload: unknown }>; now: Date }): Promise<void> {
    await this.db.tx(async (t) => {
      await t.run('INSERT INTO batches (id, issuer_id, total, created_at) VALUES (?, ?, ?, ?)', [a.id, a.issuerId, a.rows.length, a.now.toISOString()]);
      const chunk = 200;
      for (let i = 0; i < a.rows.length; i += chunk) {
        const part = a.rows.slice(i, i + chunk);
        await t.run(
          `INSERT INTO batch_rows (batch_id, row_no, payload, state) VALUES ${part.map(() => "(?, ?, ?, 'pending')").join(', ')}`,
          part.flatMap((r) => [a.id, r.rowNo, JSON.stringify(r.payload)]),
        );
      }
    });
  }

  async claimBatchRows(a: { batchId?: string; limit: number; workerId: string; now: Date; leaseMs: number }): Promise<ClaimedRow[]> {
    const now = a.now.getTime();
    const filter = a.batchId ? 'AND batch_id = ?' : '';
    const lock = this.db.engine === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.db.tx((t) =>
      t.all<Row>(
        `UPDATE batch_rows SET lease_owner = ?, lease_until = ?
         WHERE (batch_id, row_no) IN (
           SELECT batch_id, row_no FROM batch_rows
           WHERE state = 'pending' AND (lease_until IS NULL OR lease_until < ?) ${filter}
           ORDER BY batch_id, row_no LIMIT ? ${lock})
         RETURNING batch_id, row_no, payload`,
        [a.workerId, now + a.leaseMs, now, ...(a.batchId ? [a.batchId] : []), a.limit],
      ),
    );
    if (!rows.length) return [];
    const issuers = new Map<string, string>();
    for (const id of new Set(rows.map((r) => String(r.batch_id)))) {
      const [b] = await this.db.all<Row>('SELECT issuer_id FROM batches WHERE id = ?', [id]);
      issuers.set(id, String(b.issuer_id));
    }
    return rows
      .map((r) => ({ batchId: String(r.batch_id), rowNo: Number(r.row_no), payload: JSON.parse(String(r.payload)), issuerId: issuers.get(String(r.batch_id))! }))
      .sort((x, y) => (x.batchId === y.batchId ? x.rowNo - y.rowNo : x.batchId < y.batchId ? -1 : 1));
  }

  async releaseBatchLeases(batchId: string): Promise<void> {
    await this.db.run(`UPDATE batch_rows SET lease_owner = NULL, lease_until = NULL WHERE batch_id = ? AND state = 'pending'`, [batchId]);
  }

  async failBatchRow(a: BatchRowRef & { code: string; message: string }): Promise<void> {
    await this.db.tx(async (t) => {
      await t.run(`UPDATE batch_rows SET state = 'failed', error_code = ?, error_message = ?, payload = NULL, lease_owner = NULL WHERE batch_id = ? AND row_no = ? AND state = 'pending'`, [a.code, a.message.slice(0, 500), a.batchId, a.rowNo]);
      await this.finishBatchIfDone(t, a.batchId, new Date().toISOString());
    });
  }

  async getBatch(batchId: string): Promise<BatchStatus | undefined> {
    const [b] = await this.db.all<Row>('SELECT * FROM batches WHERE id = ?', [batchId]);
    if (!b) return undefined;
    const counts = await this.db.all<Row>('SELECT state, COUNT(*) AS n FROM batch_rows WHERE batch_id = ? GROUP BY state', [batchId]);
    const n = (s: string) => Number(counts.find((c) => c.state === s)?.n ?? 0);
    const errors = await this.db.all<Row>(`SELECT row_no, error_code, error_message FROM batch_rows WHERE batch_id = ? AND state = 'failed' ORDER BY row_no LIMIT 1000`, [batchId]);
    return {
      id: String(b.id),
      issuerId: String(b.issuer_id),
      total: Number(b.total),
      done: n('done'),
      failed: n('failed'),
      pending: n('pending'),
      errors: errors.map((e) => ({ row: Number(e.row_no), code: String(e.error_code), message: String(e.error_message) })),
      createdAt: String(b.created_at),
      ...(b.finished_at ? { finishedAt: String(b.finished_at) } : {}),
    };
  }

  async *listBatchCertificates(batchId: string): AsyncIterable<{ rowNo: number; managementNo: string }> {
    let after = 0;
    for (;;) {
      const page = await this.db.all<Row>(`SELECT row_no, management_no FROM batch_rows WHERE batch_id = ? AND state = 'done' AND row_no > ? ORDER BY row_no LIMIT 500`, [batchId, after]);
      for (const r of page) yield { rowNo: Number(r.row_no), managementNo: String(r.management_no) };
      if (page.length < 500) return;
      after = Number(page[page.length - 1].row_no);
    }
  }

  private async completeRow(t: SqlDriver, row: BatchRowRef, managementNo: string, at: string): Promise<void> {
    await t.run(`UPDATE batch_rows SET state = 'done', management_no = ?, payload = NULL, lease_owner = NULL WHERE batch_id = ? AND row_no = ? AND state = 'pending'`, [managementNo, row.batchId, row.rowNo]);
    await this.finishBatchIfDone(t, row.batchId, at);
  }

  private async finishBatchIfDone(t: SqlDriver, batchId: string, at: string): Promise<void> {
    const [p] = await t.all<Row>(`SELECT EXISTS (SELECT 1 FROM batch_rows WHERE batch_id = ? AND state = 'pending') AS pending`, [batchId]);
    if (!Number(p.pending) && p.pending !== true) await t.run('UPDATE batches SET finished_at = ? WHERE id = ? AND finished_at IS NULL', [at, batchId]);
  }

  // ---------------------------------------------------------------- audit

  async appendAudit(e: { actor: string; action: string; target: string; details?: Record<string, unknown>; now: Date }): Promise<void> {
    await this.db.tx((t) => this.audit(t, e));
  }

  private async audit(t: SqlDriver, e: { actor: string; action: string; target: string; details?: Record<string, unknown>; now: Date }): Promise<void> {
    const lock = this.db.engine === 'postgres' ? ' FOR UPDATE' : '';
    const [head] = await t.all<Row>(`SELECT seq, hash FROM audit_head WHERE id = 1${lock}`);
    const entry: AuditEntry = { seq: Number(head.seq) + 1, at: e.now.toISOString(), actor: e.actor, action: e.action, target: e.target, details: e.details ?? null };
    const hash = auditHash(String(head.hash), entry);
    await t.run('INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [entry.seq, entry.at, entry.actor, entry.action, entry.target, entry.details ? JSON.stringify(entry.details) : null, head.hash, hash]);
    await t.run('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [entry.seq, hash]);
  }

  async verifyAudit(): Promise<{ ok: boolean; entries: number; firstBadSeq?: number; problem?: string }> {
    let prev = GENESIS_HASH;
    let expectSeq = 1;
    let entries = 0;
    for (let after = 0; ; ) {
      const page = await this.db.all<Row>('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 1000', [after]);
      for (const r of page) {
        const seq = Number(r.seq);
        if (seq !== expectSeq) return { ok: false, entries, firstBadSeq: expectSeq, problem: `entry ${expectSeq} is missing` };
        const entry: AuditEntry = { seq, at: String(r.at), actor: String(r.actor), action: String(r.action), target: String(r.target), details: r.details == null ? null : JSON.parse(String(r.details)) };
        if (r.prev_hash !== prev || auditHash(prev, entry) !== r.hash) return { ok: false, entries, firstBadSeq: seq, problem: `entry ${seq} was altered` };
        prev = String(r.hash);
        expectSeq++;
        entries++;
      }
      if (page.length < 1000) break;
      after = Number(page[page.length - 1].seq);
    }
    const [head] = await this.db.all<Row>('SELECT seq, hash FROM audit_head WHERE id = 1');
    if (Number(head.seq) !== entries || head.hash !== prev) return { ok: false, entries, firstBadSeq: entries + 1, problem: `the log ends at entry ${entries} but the chain head is at ${head.seq}: entries were deleted` };
    return { ok: true, entries };
  }
}

function toRecord(r: Row, docs: Row[]): CertificateRecord {
  const opt = (k: string) => (r[k] == null ? undefined : String(r[k]));
  return {
    managementNo: String(r.management_no),
    qualification: String(r.qualification),
    ...(opt('specialty') ? { specialty: opt('specialty') } : {}),
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
    ...(opt('revoked_at') ? { revokedAt: opt('revoked_at'), revokedBy: opt('revoked_by'), revocationReason: opt('revocation_reason') } : {}),
    documents: docs.map((d) => ({ version: Number(d.version), sha256: String(d.sha256), createdAt: String(d.created_at), ...(d.superseded_at ? { supersededAt: String(d.superseded_at) } : {}) })),
  };
}

function toIssuer(r: Row): Issuer {
  return { id: String(r.id), bodyCode: String(r.body_code), name: String(r.name), qualifications: JSON.parse(String(r.qualifications)), ...(Number(r.disabled) ? { disabled: true } : {}) };
}

export type { NewRecord };
