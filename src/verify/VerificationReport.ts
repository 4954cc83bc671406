/**
 * The verification report (contract.md "Verification report"), after ETSI EN 319 102-1
 * §5.1.3: a main indication, a sub-indication naming the rule that decided it, and every
 * individual check with its outcome. Never a bare boolean.
 */
export type Indication = 'TOTAL_PASSED' | 'TOTAL_FAILED' | 'INDETERMINATE';

export type SubIndication =
  // ETSI EN 319 102-1 §5.1.3
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'REVOKED'
  | 'REVOKED_NO_POE'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'CRYPTO_CONSTRAINTS_FAILURE'
  | 'SIG_CONSTRAINTS_FAILURE'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'TRY_LATER'
  // registry outcomes (ours)
  | 'UNKNOWN_CERTIFICATE'
  | 'SUPERSEDED'
  | 'REGISTRY_MISMATCH'
  // issue 15: annotated copies (加注)
  | 'ANNOTATION_EXPIRED'
  | 'ANNOTATION_WITHDRAWN'
  // issue 12: a sample of `ecert samples` (src/verify/sampleOutcome.ts), always with TOTAL_FAILED
  | 'SAMPLE';

export interface Check {
  id: string;
  passed: boolean;
  detail: string;
}

export interface ReportCertificate {
  managementNo: string;
  version?: number;
  qualification: string;
  qualificationTitle?: string;
  holderName: string;
  idNumberMasked: string;
  approvalDate: string;
  issueDate: string;
  issuer: string;
  status: 'valid' | 'revoked' | 'superseded' | 'unknown';
  revokedAt?: string;
  // issue 11: every printed fact, in the certificate's order, and the superseding version
  sex?: string;
  birth?: string;
  specialty?: string;
  /** The registry's current version when this one was superseded (SUPERSEDED). */
  currentVersion?: number;
  /** 制发日期 of the current version (SUPERSEDED). */
  currentIssueDate?: string;
  /** Names of the fields the current version changed (SUPERSEDED), e.g. holderName. */
  changedFields?: string[];
}

/** What was checked (issue 11): the file's seal, bytes and registry, or only the QR token. */
export type Evidence = 'pdf' | 'qr';

/**
 * A file that is not the sealed original but carries one of our certificates' data or QR URL
 * (a re-saved or printed copy): where the verifier can check that certificate instead.
 */
export interface CopyHint {
  managementNo?: string;
  version?: number;
  /** `/v/{token}` of that certificate, when the registry holds it. */
  qrCheckUrl?: string;
}

export interface VerificationReport {
  evidence: Evidence;
  indication: Indication;
  subIndication?: SubIndication;
  certificate?: ReportCertificate;
  signer?: { subject: string; organization?: string; issuer: string; serial: string; signingTime?: string; /** genTime of the signature timestamp (PAdES B-T, issue 14). */ timestampTime?: string };
  checks: Check[];
  message: { zh: string; en: string };
  verifiedAt: string;
  /** SHA-256 of the verified file (evidence pdf). */
  documentSha256?: string;
  /** The file is not the sealed original (re-saved or printed copy); see CopyHint. */
  notOriginal?: boolean;
  copyOf?: CopyHint;
  /** Issue 15: the annotation of an annotated copy (加注), shown first. */
  annotation?: ReportAnnotation;
}

/** Issue 15 (加注): purpose and end date of an annotated copy, and its state on the verifier's clock. */
export interface ReportAnnotation {
  id: string;
  purpose: string;
  purposeName: { zh: string; en: string };
  /** Last valid day, China time, YYYY-MM-DD. */
  validUntil: string;
  status: 'valid' | 'expired' | 'withdrawn';
  withdrawnAt?: string;
}

const MESSAGES: Record<Indication | SubIndication, { zh: string; en: string }> = {
  TOTAL_PASSED: { zh: '验证通过：证书真实有效，内容未被修改。', en: 'Passed: the certificate is genuine, unaltered and valid.' },
  TOTAL_FAILED: { zh: '验证失败。', en: 'Verification failed.' },
  INDETERMINATE: { zh: '无法确认证书状态，请稍后重试。', en: 'The certificate status cannot be confirmed; try again later.' },
  FORMAT_FAILURE: { zh: '验证失败：此文件不是本系统签发的电子证书格式，无法据此确认证书。请扫描证书上的二维码查验，或用管理号查询。', en: 'Failed: this file is not in the format of an e-certificate issued by this service; it confirms no certificate. Scan the QR code on the certificate, or look it up by 管理号 (management number).' },
  HASH_FAILURE: { zh: '验证失败：文件内容在签章后被修改。', en: 'Failed: the content was changed after it was sealed.' },
  SIG_CRYPTO_FAILURE: { zh: '验证失败：电子签名无效。', en: 'Failed: the digital signature is invalid.' },
  REVOKED: { zh: '证书已撤销。', en: 'The certificate has been revoked.' },
  // issue 13: the seal key was marked compromised before the registry recorded this document
  REVOKED_NO_POE: { zh: '验证失败：签章所用的印章密钥已被声明泄露，且此文件登记于泄露日期之后。', en: 'Failed: the seal key was declared compromised and this document was registered after the compromise date.' },
  NO_CERTIFICATE_CHAIN_FOUND: { zh: '验证失败：签章证书不是由受信任的机构签发，印章不可信。', en: 'Failed: the seal certificate does not chain to a trusted root; the seal is not trusted.' },
  NO_SIGNING_CERTIFICATE_FOUND: { zh: '验证失败：未找到签章证书。', en: 'Failed: the signing certificate is missing.' },
  CRYPTO_CONSTRAINTS_FAILURE: { zh: '验证失败：签名算法或密钥强度不被接受。', en: 'Failed: the signature algorithm or key size is not accepted.' },
  SIG_CONSTRAINTS_FAILURE: { zh: '验证失败：签名属性不符合要求。', en: 'Failed: the signature attributes do not meet the policy.' },
  OUT_OF_BOUNDS_NO_POE: { zh: '验证失败：签章时签章证书不在有效期内。', en: 'Failed: the seal certificate was not valid at signing time.' },
  TRY_LATER: { zh: '签名有效，但暂时无法查询证书登记库，请稍后重试。', en: 'The signature is valid but the registry cannot be reached; try again later.' },
  UNKNOWN_CERTIFICATE: { zh: '验证失败：登记库中没有这份证书。', en: 'Failed: this certificate is not in the registry.' },
  SUPERSEDED: { zh: '此文件已被更正后的新版本取代，请使用最新版本。', en: 'This document has been superseded by a corrected version.' },
  REGISTRY_MISMATCH: { zh: '验证失败：文件与登记库中签发的证书不一致。', en: 'Failed: the file differs from the certificate issued in the registry.' },
  ANNOTATION_EXPIRED: {
    zh: '此加注件已过有效期，不能再使用。证书本身可能仍然有效：请持证人重新生成加注件。',
    en: 'This annotated copy has expired and can no longer be used. The certificate itself may still be valid: the holder can create a new annotated copy.',
  },
  ANNOTATION_WITHDRAWN: {
    zh: '此加注件已被持证人撤回，不能再使用。证书本身可能仍然有效：请向持证人索取新的加注件。',
    en: 'The holder has withdrawn this annotated copy; it can no longer be used. The certificate itself may still be valid: ask the holder for a new annotated copy.',
  },
  SAMPLE: {
    zh: '这是样本（样本 SAMPLE），不是证书：样本只用于展示证书式样，不证明任何人取得任何职业资格，登记库中也没有它。',
    en: 'This is a sample (样本 SAMPLE), not a certificate: samples only show what a certificate looks like; they prove no one’s qualification and are not in the registry.',
  },
};

export function messageFor(indication: Indication, sub?: SubIndication): { zh: string; en: string } {
  return MESSAGES[sub ?? indication];
}

type ReportExtra = Pick<VerificationReport, 'evidence'> & Partial<Pick<VerificationReport, 'certificate' | 'signer' | 'documentSha256' | 'notOriginal' | 'copyOf' | 'annotation'>>;

export function makeReport(indication: Indication, sub: SubIndication | undefined, checks: Check[], now: Date, extra: ReportExtra): VerificationReport {
  const r: VerificationReport = {
    ...extra,
    indication,
    ...(sub ? { subIndication: sub } : {}),
    checks,
    message: messageFor(indication, sub),
    verifiedAt: now.toISOString(),
  };
  r.message = verdictMessage(r);
  return r;
}

/** Names of certificate fields as printed, for "which fields changed". */
export const FIELD_LABELS: Record<string, { zh: string; en: string }> = {
  holderName: { zh: '姓名', en: 'name' },
  idNumberMasked: { zh: '证件号码', en: 'ID number' },
  idType: { zh: '证件类型', en: 'ID type' },
  sex: { zh: '性别', en: 'sex' },
  birth: { zh: '出生年月', en: 'date of birth' },
  specialty: { zh: '专业', en: 'specialty' },
  approvalDate: { zh: '批准日期', en: 'approval date' },
  issueDate: { zh: '制发日期', en: 'issue date' },
  qualification: { zh: '职业资格', en: 'qualification' },
};

/**
 * The message of a report (issue 11): a QR verdict speaks only of the token and the registry,
 * never of the document in hand; a superseded version names the current one; a file that is
 * not the sealed original is not called forged, it is sent to the QR code or a 管理号 look-up.
 */
export function verdictMessage(r: Pick<VerificationReport, 'evidence' | 'indication' | 'subIndication' | 'certificate' | 'notOriginal' | 'copyOf'>): { zh: string; en: string } {
  const c = r.certificate;
  if (r.subIndication === 'SUPERSEDED' && c) {
    const n = c.currentVersion ?? c.version;
    const date = c.currentIssueDate ?? c.issueDate;
    const changed = c.changedFields ?? [];
    const zhChanged = changed.length ? `更正的项目：${changed.map((f) => FIELD_LABELS[f]?.zh ?? f).join('、')}。` : '';
    const enChanged = changed.length ? ` Corrected fields: ${changed.map((f) => FIELD_LABELS[f]?.en ?? f).join(', ')}.` : '';
    const what = r.evidence === 'qr' ? { zh: '此二维码属于证书的较早版本', en: 'This QR code belongs to an earlier version of the certificate' } : { zh: '此文件是证书的较早版本', en: 'This file is an earlier version of the certificate' };
    return {
      zh: `${what.zh}（第 ${c.version ?? '?'} 版），已被更正后的第 ${n} 版（${date} 制发）取代。该职业资格在第 ${n} 版中有效。${zhChanged}请向持证人索取最新版本。`,
      en: `${what.en} (version ${c.version ?? '?'}); it was replaced by the corrected version ${n} of ${date}. The qualification is valid in version ${n}.${enChanged} Ask the holder for the current version.`,
    };
  }
  if (r.evidence === 'qr') {
    if (r.indication === 'TOTAL_PASSED') {
      return {
        zh: '二维码真实：登记库中有这份证书，状态为有效。请逐项核对下列信息与您手中的证书是否一致；扫码查验只检查二维码，不能证明纸面或图片上的其余内容。',
        en: 'The QR code is genuine: the registry holds this certificate, and it is valid. Compare every fact below with the document in hand; a QR check covers the QR code only, not the rest of the paper or image.',
      };
    }
    if (r.subIndication === 'REVOKED') {
      return {
        zh: '二维码真实，但登记库中这份证书已撤销，不再有效。请核对下列信息。',
        en: 'The QR code is genuine, but the registry shows this certificate as revoked: it is no longer valid. Compare the facts below.',
      };
    }
    if (r.subIndication === 'SIG_CRYPTO_FAILURE') {
      return {
        zh: '此二维码不是本系统签发的，或已损坏：不能用它确认任何证书。请上传证书 PDF 或用管理号查询。',
        en: 'This QR code was not issued by this service, or is damaged: it confirms no certificate. Upload the certificate PDF or look it up by 管理号 (management number).',
      };
    }
    if (r.subIndication === 'REGISTRY_MISMATCH') {
      return {
        zh: '二维码中的信息与登记库中的证书不一致：不能确认。下面是登记库中的信息。',
        en: 'The facts in the QR code differ from the certificate in the registry: not confirmed. The registry’s facts are shown below.',
      };
    }
    if (r.subIndication === 'UNKNOWN_CERTIFICATE') {
      return { zh: '登记库中没有此二维码所指的证书。', en: 'The registry holds no certificate for this QR code.' };
    }
  }
  if (r.notOriginal) {
    const link = r.copyOf?.managementNo ? { zh: `文件中带有管理号 ${r.copyOf.managementNo} 的证书数据，可直接用下方链接扫码查验该证书。`, en: ` The file carries the data of certificate ${r.copyOf.managementNo}: use the QR check link below for it.` } : { zh: '', en: '' };
    return {
      zh: `此文件不是加盖电子印章的原件（可能经过另存、转换或打印为 PDF），因此无法检查其印章，也不能据此确认内容。请扫描证书上的二维码查验，或用管理号和姓名查询。${link.zh}`,
      en: `This file is not the sealed original (it may have been re-saved, converted or printed to PDF), so its seal cannot be checked and its content cannot be confirmed from it. Scan the QR code on the certificate, or look it up by 管理号 (management number) and name.${link.en}`,
    };
  }
  // issue 14: what the timestamps could not prove, or a seal certificate revoked before the signature timestamp
  if (r.evidence === 'pdf' && r.indication === 'INDETERMINATE' && r.subIndication === 'OUT_OF_BOUNDS_NO_POE') {
    return {
      zh: '无法确认：文件中时间戳的证书已过期或不受信任，不能再证明签章时间。请向持证人或发证机构索取最新的长期验证版本，或用管理号查询。',
      en: 'Not confirmed: the certificate of a timestamp in this file has expired or is not trusted, so the time of sealing can no longer be proven. Ask the holder or the issuing body for the newest long-term-validation copy, or look it up by 管理号 (management number).',
    };
  }
  if (r.evidence === 'pdf' && r.subIndication === 'REVOKED' && !c) {
    return {
      zh: '验证失败：签章所用的印章证书在签章时间之前已被撤销，此文件不可信。',
      en: 'Failed: the seal certificate was revoked before the time of sealing; this file cannot be trusted.',
    };
  }
  return messageFor(r.indication, r.subIndication);
}
