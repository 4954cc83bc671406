import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock';
import { EcertError } from '../core/errors';
import type { RegistryStore } from '../registry/RegistryStore';
import { chinaDate } from './validateIssueRequest';

/**
 * How wrong holder look-ups are limited (security.md, "Privacy of the ID number"). The count
 * lives in the registry's database, so the API and the /holder form, on every instance,
 * share one budget per 管理号 and day (China Standard Time).
 */
export const LOOKUP_GUARD_POLICY = {
  /** Wrong look-ups of one 管理号 evaluated in a day, at most. */
  maxFailuresPerDay: 20,
  /** Wrong look-ups a day before a proof of work is asked for every further look-up. */
  freeFailures: 3,
  /** Leading zero bits of SHA-256(challenge "." nonce) asked at `freeFailures`, one more per further failure, up to maxBits. */
  baseBits: 14,
  maxBits: 22,
  challengeTtlMs: 10 * 60_000,
  /** Every miss is answered no sooner than this after the request came in (all misses cost the same time). */
  missFloorMs: 250,
};

export type LookupGuardPolicy = typeof LOOKUP_GUARD_POLICY;

export interface Challenge {
  challenge: string;
  bits: number;
  expiresAt: string;
}

export interface Proof {
  challenge: string;
  nonce: string;
}

type GuardStore = Pick<RegistryStore, 'countLookupFailure' | 'lookupFailures' | 'spendChallenge'>;

/** Why a proof of work does not count, in both languages (the answer carries a fresh challenge). */
const PROOF_PROBLEMS = {
  missing: { zh: '需要先完成工作量证明', en: 'a proof of work is required' },
  malformedProof: { zh: '工作量证明格式错误', en: 'malformed proof' },
  malformedChallenge: { zh: '挑战格式错误', en: 'malformed challenge' },
  foreign: { zh: '该挑战不是本服务发出的', en: 'challenge not issued here' },
  otherNumber: { zh: '该挑战属于另一个管理号', en: 'challenge for another number' },
  expired: { zh: '挑战已过期', en: 'challenge expired' },
  tooEasy: { zh: '挑战难度低于当前要求', en: 'challenge too easy for the current state' },
  insufficient: { zh: '工作量证明未达到要求的难度', en: 'proof of work does not meet the difficulty' },
  spent: { zh: '该挑战已使用过', en: 'challenge already used' },
} as const satisfies Record<string, { zh: string; en: string }>;
type ProofProblem = keyof typeof PROOF_PROBLEMS;

/**
 * The look-up guard. Once a number has had `freeFailures` wrong look-ups in a day it is under
 * attack: every look-up of it must carry a fresh proof of work (a self-hosted challenge, HMAC-
 * signed, single use, bound to the number), whose cost doubles with each further failure, so a
 * stranger who knows a 管理号 cannot cheaply use up its budget; past `maxFailuresPerDay` it
 * is closed for the rest of the day (ERR_LOOKUP_LOCKED).
 */
export class HolderLookupGuard {
  constructor(
    private readonly deps: { store: GuardStore; secret: Buffer; clock: Clock },
    readonly policy: LookupGuardPolicy = LOOKUP_GUARD_POLICY,
  ) {}

  /** Bits of work a look-up of a number with `failures` today must prove (0 = none). */
  requiredBits(failures: number): number {
    const p = this.policy;
    return failures < p.freeFailures ? 0 : Math.min(p.maxBits, p.baseBits + failures - p.freeFailures);
  }

  /** What a client must do before looking `managementNo` up: nothing, or solve this challenge. */
  async challengeFor(managementNo: string): Promise<{ required: false } | ({ required: true } & Challenge)> {
    const failures = await this.failures(managementNo);
    this.assertOpen(failures);
    const bits = this.requiredBits(failures);
    return bits ? { required: true, ...this.issue(managementNo, bits) } : { required: false };
  }

  /** Let a look-up through, or throw ERR_LOOKUP_LOCKED / ERR_CHALLENGE_REQUIRED (with a fresh challenge). */
  async admit(managementNo: string, proof?: Partial<Proof>): Promise<void> {
    const failures = await this.failures(managementNo);
    this.assertOpen(failures);
    const bits = this.requiredBits(failures);
    if (!bits) return;
    const problem = proof?.challenge && proof.nonce !== undefined ? await this.check(managementNo, bits, proof as Proof) : 'missing';
    if (problem) {
      const fresh = this.issue(managementNo, bits);
      throw new EcertError('ERR_CHALLENGE_REQUIRED', { ...PROOF_PROBLEMS[problem], details: { ...fresh } });
    }
  }

  /** Count a wrong look-up. */
  async miss(managementNo: string): Promise<void> {
    await this.deps.store.countLookupFailure(managementNo, chinaDate(this.deps.clock()));
  }

  private failures(managementNo: string): Promise<number> {
    return this.deps.store.lookupFailures(managementNo, chinaDate(this.deps.clock()));
  }

  private assertOpen(failures: number): void {
    if (failures >= this.policy.maxFailuresPerDay) {
      throw new EcertError('ERR_LOOKUP_LOCKED', { details: { retryAfterSeconds: secondsToChinaMidnight(this.deps.clock()) } });
    }
  }

  /** `v1.<managementNo>.<bits>.<expires ms>.<random>.<HMAC-SHA-256 of the rest>` */
  private issue(managementNo: string, bits: number): Challenge {
    const expires = this.deps.clock().getTime() + this.policy.challengeTtlMs;
    const body = `v1.${managementNo}.${bits}.${expires}.${randomBytes(12).toString('base64url')}`;
    return { challenge: `${body}.${this.mac(body)}`, bits, expiresAt: new Date(expires).toISOString() };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.deps.secret).update(body).digest('base64url');
  }

  /** Why a proof does not count, or undefined when it does (it is then spent). */
  private async check(managementNo: string, bits: number, p: Proof): Promise<ProofProblem | undefined> {
    if (typeof p.challenge !== 'string' || typeof p.nonce !== 'string' || p.challenge.length > 200 || !/^[0-9A-Za-z]{1,32}$/.test(p.nonce)) return 'malformedProof';
    const parts = p.challenge.split('.');
    if (parts.length !== 6 || parts[0] !== 'v1') return 'malformedChallenge';
    const [, no, bitsText, expiresText, , mac] = parts;
    const expected = Buffer.from(this.mac(parts.slice(0, 5).join('.')));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'foreign';
    if (no !== managementNo) return 'otherNumber';
    const expires = Number(expiresText);
    const now = this.deps.clock();
    if (!(expires > now.getTime())) return 'expired';
    if (Number(bitsText) < bits) return 'tooEasy';
    if (leadingZeroBits(createHash('sha256').update(`${p.challenge}.${p.nonce}`).digest()) < Number(bitsText)) return 'insufficient';
    if (!(await this.deps.store.spendChallenge(parts[4] + '.' + no, new Date(expires), now))) return 'spent';
    return undefined;
  }
}

export function leadingZeroBits(digest: Buffer): number {
  let n = 0;
  for (const byte of digest) {
    if (byte === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(byte) - 24;
  }
  return n;
}

/** Solve a challenge (tests, the CLI and scripts; the /holder page does the same in the browser). */
export function solveChallenge(challenge: string, bits: number): string {
  for (let i = 0; ; i++) {
    const nonce = i.toString(36);
    if (leadingZeroBits(createHash('sha256').update(`${challenge}.${nonce}`).digest()) >= bits) return nonce;
  }
}

function secondsToChinaMidnight(now: Date): number {
  const next = Date.parse(`${chinaDate(new Date(now.getTime() + 86_400_000))}T00:00:00+08:00`);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}
