import type { Check } from '../VerificationReport';
import type { RevisionFacts } from './inspectRevisions';
import type { PdfSignatureInspection } from './inspectSignatures';

/** One rule of "Long-term validation updates" (../shared/reference/security.md) on one update. */
interface UpdateRule {
  id: string;
  test: (u: RevisionFacts) => boolean;
  detail: (u: RevisionFacts) => string;
}

const list = (xs: Array<string | number>) => xs.slice(0, 8).join(', ') + (xs.length > 8 ? ', …' : '');

/**
 * The table of rules an incremental update after the seal signature must pass (PAdES B-LT/B-LTA,
 * ETSI EN 319 142-1 §5.4, §5.5; ISO 32000-1 §7.5.6; ISO 32000-2 §12.8.4.3, §12.8.5), in the
 * spirit of pyHanko's `ModificationLevel.LTA_UPDATES`: classic xref, nothing freed, only the
 * catalog / AcroForm / DSS (and its arrays) redefined, the catalog changing only /DSS,
 * /AcroForm, /Extensions; old fields kept in order plus at most one new invisible
 * document-timestamp field on no page; a DSS of /Certs /OCSPs /CRLs streams that parse as
 * DER (no /VRI: see src/verify/pdf/inspectRevisions.ts); no new object that is none of these.
 */
export const UPDATE_RULES: UpdateRule[] = [
  {
    id: 'ltv-update-xref',
    test: (u) => u.freed.length === 0 && u.outside.length === 0 && u.stray.length === 0 && u.trailerProblems.length === 0,
    detail: (u) =>
      `revision ${u.revision}: ` +
      [u.freed.length ? `frees object(s) ${list(u.freed)}` : '', u.outside.length ? `entries for ${list(u.outside)} point outside the revision` : '', u.stray.length ? `bytes at ${u.stray[0]} are no object of its cross-reference section` : '', ...u.trailerProblems].filter(Boolean).join('; '),
  },
  {
    id: 'ltv-update-objects',
    test: (u) => u.disallowedRedefined.length === 0 && u.unexplainedNew.length === 0,
    detail: (u) =>
      `revision ${u.revision}: ` +
      [u.disallowedRedefined.length ? `changes object(s) ${list(u.disallowedRedefined)} signed before` : '', u.unexplainedNew.length ? `adds object(s) ${list(u.unexplainedNew)} that are no DSS or document timestamp` : ''].filter(Boolean).join('; '),
  },
  { id: 'ltv-update-catalog', test: (u) => u.catalogChanged.length === 0, detail: (u) => `revision ${u.revision}: the catalog changes ${list(u.catalogChanged.map((k) => '/' + k))}; only /DSS, /AcroForm, /Extensions may` },
  { id: 'ltv-update-acroform', test: (u) => u.acroFormProblems.length === 0, detail: (u) => `revision ${u.revision}: ${list(u.acroFormProblems)}` },
  { id: 'ltv-update-field', test: (u) => u.fieldProblems.length === 0, detail: (u) => `revision ${u.revision}: ${list(u.fieldProblems)}` },
  { id: 'ltv-update-dss', test: (u) => u.dssProblems.length === 0, detail: (u) => `revision ${u.revision}: ${list(u.dssProblems)}` },
  { id: 'ltv-update-dss-der', test: (u) => u.dssBadStreams.length === 0, detail: (u) => `revision ${u.revision}: ${list(u.dssBadStreams)}` },
];

function summary(u: RevisionFacts): string {
  const { certs, ocsps, crls } = u.dssAdded;
  const dss = certs + ocsps + crls ? `DSS (+${certs} cert${certs === 1 ? '' : 's'}, +${ocsps} OCSP, +${crls} CRL)` : '';
  return `revision ${u.revision}: ${[dss, u.addsTimestamp ? 'document timestamp' : ''].filter(Boolean).join(' + ') || 'no change'}`;
}

/**
 * The updates after revision 1 and the document timestamps they add. Returns the checks in
 * order (one `ltv-update` check per accepted revision, naming what it added; the first failing
 * rule otherwise) and whether all passed. Every failure is FORMAT_FAILURE for the caller.
 */
export function checkUpdates(ins: PdfSignatureInspection): { ok: boolean; checks: Check[] } {
  const checks: Check[] = [];
  for (const u of ins.updates) {
    const failed = UPDATE_RULES.find((r) => !r.test(u));
    if (failed) {
      checks.push({ id: failed.id, passed: false, detail: failed.detail(u) });
      return { ok: false, checks };
    }
    checks.push({ id: 'ltv-update', passed: true, detail: summary(u) });
  }
  // each document timestamp: in its own update revision, covering that whole revision (security.md)
  const stamped = ins.updates.filter((u) => u.addsTimestamp).map((u) => u.revision);
  const found = ins.documentTimestamps.map((t) => t.revision);
  if (stamped.length !== found.length || stamped.some((r, i) => r !== found[i])) {
    checks.push({ id: 'document-timestamp', passed: false, detail: `document timestamps found in revision(s) ${list(found) || 'none'}; added by update(s) ${list(stamped) || 'none'}` });
    return { ok: false, checks };
  }
  for (const [i, t] of ins.documentTimestamps.entries()) {
    const br = t.byteRange;
    const end = ins.revisionEnds[t.revision - 1];
    const start = ins.revisionEnds[t.revision - 2];
    const problem =
      t.filter !== 'Adobe.PPKLite'
        ? `/Filter /${t.filter ?? '(none)'}`
        : br.length !== 4 || !br.every((n) => Number.isSafeInteger(n) && n >= 0) || br[0] !== 0
          ? `ByteRange ${JSON.stringify(br)} is not [0 a b c]`
          : !t.contentsIsHex || t.contentsStart !== br[1] || t.contentsEnd !== br[2] || (t.contentsStart ?? 0) < start
            ? `/Contents at [${t.contentsStart}, ${t.contentsEnd}) is not the ByteRange gap [${br[1]}, ${br[2]}) inside its revision`
            : br[2] + br[3] !== end
              ? `covers up to byte ${br[2] + br[3]}; its revision ends at ${end}`
              : !t.token.length || !t.paddingIntact
                ? 'no DER token in /Contents or bytes after it that are not zero padding'
                : undefined;
    checks.push({
      id: 'document-timestamp',
      passed: !problem,
      detail: `document timestamp ${i + 1} (revision ${t.revision}${t.fieldName ? `, field ${t.fieldName}` : ''}): ${problem ?? `covers its whole revision, bytes [0, ${end}) but its /Contents`}`,
    });
    if (problem) return { ok: false, checks };
  }
  const last = ins.updates[ins.updates.length - 1];
  if (last && !last.addsTimestamp) {
    checks.push({ id: 'no-update-after-last-timestamp', passed: false, detail: `revision ${last.revision} is not covered by a document timestamp: content was added after the last one` });
    return { ok: false, checks };
  }
  return { ok: true, checks };
}
