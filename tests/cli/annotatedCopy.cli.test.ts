import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chinaDate } from '../../src/issue/validateIssueRequest';
import { addDays } from '../../src/annotate/annotationPolicy';
import { issueBody } from '../helpers/holders';
import { makeTestServer } from '../helpers/testServices';
import { BIN, cliEnv } from './cliHarness';

/**
 * Issue 15 (加注): `ecert verify` of an annotated copy judges its end date on the machine's clock:
 * it passes today and fails ANNOTATION_EXPIRED once libfaketime moves the clock past the end date
 * (Debian's faketime, an independent way to move time for a child process).
 */
describe('ecert verify of an annotated copy, today and under faketime', () => {
  let env: Awaited<ReturnType<typeof cliEnv>>;
  let file: string;
  let validUntil: string;

  beforeAll(async () => {
    env = await cliEnv();
    const server = await makeTestServer({ config: { dataDir: env.ECERT_DATA_DIR } });
    try {
      const q = server.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
      const body = issueBody(q.code, 21);
      const r = await fetch(`${server.url}/api/v1/certificates`, { method: 'POST', headers: { authorization: `Bearer ${await server.keyFor(q.issuingBody)}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const managementNo = (await r.json()).managementNo;
      const c = await fetch(`${server.url}/api/v1/holder/annotations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: body.holder.name, idNumber: body.holder.idNumber, managementNo, purpose: 'self-use', validDays: 5 }) });
      expect(c.status).toBe(201);
      validUntil = c.headers.get('x-valid-until')!;
      expect(validUntil).toBe(addDays(chinaDate(new Date()), 4));
      file = join(env.ECERT_DATA_DIR, 'copy.pdf');
      writeFileSync(file, Buffer.from(await c.arrayBuffer()));
    } finally {
      await server.close();
    }
  });
  afterAll(() => undefined);

  /** `ecert verify FILE --json`, under `faketime AT` when given, with the local time zone pinned to China time. */
  const run = (at?: string) => {
    const cmd = [process.execPath, BIN, 'verify', file, '--json'];
    const r = at ? spawnSync('faketime', [at, ...cmd], { env: { ...env, TZ: 'Asia/Shanghai' }, encoding: 'utf8', timeout: 120_000 }) : spawnSync(cmd[0], cmd.slice(1), { env, encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, report: JSON.parse(r.stdout) };
  };

  it('passes today with the annotation', () => {
    const { code, report } = run();
    expect(report).toMatchObject({ indication: 'TOTAL_PASSED', annotation: { purpose: 'self-use', validUntil, status: 'valid' } });
    expect(code).toBe(0);
  });

  it('fails ANNOTATION_EXPIRED with faketime just after the end date (China time), passes late on its last day', () => {
    const expired = run(`${addDays(validUntil, 1)} 00:30:00`);
    expect(expired.report).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'ANNOTATION_EXPIRED', annotation: { status: 'expired' } });
    expect(expired.report.verifiedAt.slice(0, 10)).toBe(validUntil); // 00:30 China time is still the end date in UTC: the China date decides
    expect(expired.code).not.toBe(0);
    expect(run(`${validUntil} 23:30:00`).report).toMatchObject({ indication: 'TOTAL_PASSED', annotation: { status: 'valid' } });
  });
});
