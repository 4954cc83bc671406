/**
 * Errors with stable codes (habit from panva/jose: JOSEError subclasses with `code`).
 * One table maps a code to its HTTP status and its bilingual message; the edge
 * (src/http) turns an EcertError into `{"error": {"code", "message": {"zh", "en"}}}`.
 *
 * Add a code here with its status and both messages; never rename an existing one
 * (codes are part of the public contract).
 */
export interface BilingualMessage {
  zh: string;
  en: string;
}

interface CodeSpec {
  status: number;
  zh: string;
  en: string;
  /**
   * A transient 503: the seconds after which a retry may succeed, sent as Retry-After
   * (RFC 9110 §10.2.3) unless the error names its own (`details.retryAfterSeconds`).
   */
  retryAfter?: number;
}

export const ERROR_CODES = {
  // --- generic request problems
  ERR_BAD_REQUEST: { status: 400, zh: '请求无效', en: 'Bad request' },
  ERR_INVALID_JSON: { status: 400, zh: '请求体不是有效的 JSON', en: 'Request body is not valid JSON' },
  ERR_JSON_TOO_DEEP: { status: 400, zh: 'JSON 嵌套层数过多', en: 'JSON is nested too deeply' },
  ERR_VALIDATION: { status: 422, zh: '字段校验失败', en: 'Field validation failed' },
  ERR_NOT_FOUND: { status: 404, zh: '未找到', en: 'Not found' },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, zh: '上传内容过大', en: 'Payload too large' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, zh: '不支持的内容类型', en: 'Unsupported media type' },
  ERR_CHALLENGE_REQUIRED: { status: 428, zh: '该管理号近期查询失败较多，请完成计算验证后重试', en: 'This management number has had several failed look-ups: solve the proof-of-work challenge and retry' },
  ERR_LOOKUP_LOCKED: { status: 429, zh: '该管理号今日查询失败次数已达上限，请明天再试，或联系发证机构', en: 'Too many failed look-ups of this management number today: try tomorrow, or ask the issuing body' },
  ERR_RATE_LIMITED: { status: 429, zh: '请求过于频繁，请稍后再试', en: 'Too many requests, try again later' },
  ERR_TIMEOUT: { status: 503, zh: '处理超时', en: 'Processing timed out', retryAfter: 5 },
  ERR_REGISTRY_UNAVAILABLE: { status: 503, zh: '证书登记库暂时不可用', en: 'Certificate registry is temporarily unavailable', retryAfter: 5 },
  ERR_RENDER_WORKER_DIED: { status: 503, zh: '证书生成进程异常，已重启，请重试', en: 'A certificate rendering worker failed and was replaced; retry', retryAfter: 1 },
  ERR_INTERNAL: { status: 500, zh: '服务器内部错误', en: 'Internal server error' },
  // --- authentication / authorisation
  ERR_UNAUTHENTICATED: { status: 401, zh: '需要有效的发证机构凭据', en: 'A valid issuer credential is required' },
  ERR_FORBIDDEN: { status: 403, zh: '无权操作该资格的证书', en: 'Not allowed for this qualification' },
  // --- catalog and holder data
  ERR_UNKNOWN_QUALIFICATION: { status: 422, zh: '未知的职业资格（代码或名称）', en: 'Unknown qualification (code or name)' },
  ERR_SPECIALTY_REQUIRED: { status: 422, zh: '该职业资格须填写专业类别', en: 'This qualification requires a specialty' },
  ERR_UNKNOWN_SPECIALTY: { status: 422, zh: '未知的专业类别', en: 'Unknown specialty for this qualification' },
  ERR_SPECIALTY_NOT_ALLOWED: { status: 422, zh: '该职业资格没有专业类别', en: 'This qualification has no specialties' },
  ERR_ID_NUMBER_FORMAT: { status: 422, zh: '证件号码格式错误', en: 'ID number has an invalid format' },
  ERR_ID_NUMBER_CHECKSUM: { status: 422, zh: '身份证号码校验位错误', en: 'Resident ID check digit is wrong' },
  ERR_ID_NUMBER_BIRTH_MISMATCH: { status: 422, zh: '身份证号码中的出生日期与出生年月不符', en: 'Birth date in the resident ID does not match birth' },
  ERR_ID_TYPE: { status: 422, zh: '不支持的证件类型', en: 'Unsupported ID document type' },
  ERR_SEX: { status: 422, zh: '性别须为“男”或“女”', en: 'Sex must be 男 or 女' },
  ERR_SEX_MISMATCH: { status: 422, zh: '性别与身份证号码不符', en: 'Sex does not match the resident ID number' },
  ERR_DATE_FORMAT: { status: 422, zh: '日期格式错误', en: 'Invalid date' },
  ERR_DATE_ORDER: { status: 422, zh: '批准日期不能晚于制发日期', en: 'Approval date must not be after the issue date' },
  ERR_DATE_FUTURE: { status: 422, zh: '日期不能晚于今天', en: 'Date must not be in the future' },
  ERR_BIRTH_INVALID: { status: 422, zh: '出生年月无效', en: 'Invalid year and month of birth' },
  ERR_NAME_INVALID: { status: 422, zh: '姓名含有不允许的字符或长度不符', en: 'Name has invalid characters or length' },
  ERR_GLYPH_MISSING: { status: 422, zh: '字库中缺少以下字符，无法生成证书', en: 'The certificate fonts lack these characters' },
  // --- registry
  ERR_DUPLICATE_CERTIFICATE: { status: 409, zh: '该证书已签发', en: 'This certificate has already been issued' },
  ERR_CERTIFICATE_REVOKED: { status: 409, zh: '证书已撤销', en: 'Certificate is revoked' },
  // --- PDF / verification input
  ERR_NOT_PDF: { status: 400, zh: '上传的文件不是 PDF', en: 'Uploaded file is not a PDF' },
  ERR_EMPTY_BODY: { status: 400, zh: '请求体为空', en: 'Request body is empty' },
  ERR_PDF_MALFORMED: { status: 422, zh: 'PDF 结构无法解析', en: 'PDF structure cannot be parsed' },
  ERR_PDF_LIMIT: { status: 422, zh: 'PDF 超出处理限制', en: 'PDF exceeds processing limits' },
  ERR_TOKEN_INVALID: { status: 400, zh: '二维码令牌无效', en: 'QR token is invalid' },
  ERR_QR_DECODE_TIMEOUT: { status: 422, zh: '图片识别超时：请上传更清晰、更小的二维码图片', en: 'QR decoding took too long: upload a smaller, sharper image of the QR code' },
  ERR_QR_DECODE_FAILED: { status: 422, zh: '图片无法识别', en: 'The image could not be decoded' },
  ERR_BUSY: { status: 503, zh: '服务繁忙，请稍后再试', en: 'The service is busy, try again shortly', retryAfter: 2 },
  // --- configuration / keys / catalog at start-up
  ERR_CATALOG_INVALID: { status: 500, zh: '职业资格目录数据无效', en: 'Qualification catalog is invalid' },
  ERR_KEYS_MISSING: { status: 500, zh: '缺少签名密钥', en: 'Signing keys are missing' },
  ERR_CONFIG: { status: 500, zh: '配置错误', en: 'Configuration error' },
  // issue 11: QR images on POST /api/v1/verify, the directory look-up
  ERR_QR_NOT_FOUND: { status: 422, zh: '图片中没有可识别的证书二维码，请上传证书 PDF 或清晰的二维码图片', en: 'No readable certificate QR code in the image: upload the certificate PDF or a sharp image of its QR code' },
  ERR_DIRECTORY_QUERY: { status: 400, zh: '请输入要查询的职业资格名称（1–60 个字）', en: 'Give the qualification name to look up (1–60 characters)' },
  // --- issue 12: two-phase issuance, conflicts, credentials
  ERR_CONFLICTS_WITH_EXISTING: { status: 409, zh: '与已签发的证书冲突（同一人、同一资格、同一批准日期，但其他信息不同），如需更正请重新制发', en: 'Conflicts with an issued certificate (same holder, qualification and approval date, other details differ); use a re-issue to correct it' },
  ERR_CONCURRENT_UPDATE: { status: 409, zh: '证书已被同时修改，请重试', en: 'The certificate was changed concurrently, try again' },
  ERR_RESERVATION_LOST: { status: 503, zh: '管理号预留已过期，请重试', en: 'The management number reservation expired, try again', retryAfter: 1 },
  ERR_ISSUER_DISABLED: { status: 401, zh: '发证机构凭据已停用', en: 'The issuer credential is disabled' },
  // issue 12 (samples): the registry never draws a 管理号 of the sample range (src/registry/managementNumber.ts)
  ERR_MANAGEMENT_NO_EXHAUSTED: { status: 503, zh: '该资格本年度可用的管理号已用尽，未签发任何证书', en: 'The management numbers of this qualification and year are used up; nothing was issued' },
  // --- issue 12: Excel-friendly batches (src/issue/excelDamage.ts, src/issue/batch/checkBatchRows.ts)
  ERR_EXCEL_ALTERED: { status: 422, zh: 'Excel 改变了该单元格的值', en: 'Excel altered the value of this cell' },
  ERR_CSV_EXTRA_CELLS: { status: 422, zh: 'CSV 中该行的单元格多于表头的列', en: 'This CSV row has more cells than the header has columns' },
  ERR_ID_NUMBER_OTHER_HOLDER: { status: 409, zh: '同一文件中该证件号码已属于另一位持证人', en: 'This ID number belongs to another holder earlier in this file' },
  ERR_DUPLICATE_IN_BATCH: { status: 409, zh: '同一文件中已有该证件号码的同一资格（及专业）', en: 'The same ID number with the same qualification (and specialty) is already in this file' },
  // --- issue 13: seal keys in PKCS#11 tokens, certificates from an outside CA, key lifecycle
  ERR_PKCS11_PIN: { status: 503, zh: '签章设备拒绝了 PIN 码（错误或已锁定）', en: 'The signing token rejected the PIN (wrong or locked)' },
  ERR_PKCS11_TOKEN: { status: 503, zh: '签章设备不可用（找不到 PKCS#11 模块或令牌）', en: 'The signing token is unavailable (PKCS#11 module or token not found)' },
  ERR_PKCS11_SESSION: { status: 503, zh: '与签章设备的会话中断', en: 'The session with the signing token was lost', retryAfter: 5 },
  ERR_PKCS11_KEY: { status: 503, zh: '签章设备中找不到印章密钥', en: 'The seal key is not in the signing token' },
  ERR_KEY_CERT_MISMATCH: { status: 503, zh: '印章证书与签名密钥不匹配，拒绝签章', en: 'The seal certificate does not match the signing key; refusing to sign' },
  ERR_SEAL_UNKNOWN: { status: 400, zh: '目录中没有该印章', en: 'No such seal in the catalog' },
  ERR_CERT_INVALID: { status: 400, zh: '证书文件无法解析', en: 'The certificate file cannot be parsed' },
  ERR_CERT_KEY_MISMATCH: { status: 400, zh: '证书的公钥与该印章的密钥不符', en: 'The certificate is for another key than the seal key' },
  ERR_CERT_KEY_USAGE: { status: 400, zh: '证书不允许用于签章（需要 digitalSignature 或 nonRepudiation）', en: 'The certificate does not allow signing (digitalSignature or nonRepudiation needed)' },
  ERR_CERT_EXPIRED: { status: 400, zh: '证书已过期或尚未生效', en: 'The certificate is expired or not yet valid' },
  ERR_CERT_UNTRUSTED: { status: 400, zh: '证书不能链接到受信任的根证书', en: 'The certificate does not chain to a trusted root' },
  ERR_SEAL_IMAGE: { status: 400, zh: '印章图片不符合要求', en: 'The seal image is not acceptable' },
  ERR_SEAL_KEY_COMPROMISED: { status: 503, zh: '该印章密钥已被标记为泄露，拒绝签章；请更换密钥', en: 'This seal key is marked compromised; refusing to sign until the key is replaced' },
  // --- issue 15: annotated copies (加注)
  ERR_ANNOTATION_LIMIT: { status: 409, zh: '该证书已有 3 个有效的加注件，暂不能再生成', en: 'This certificate already has 3 valid annotated copies; no further one can be made yet' },
  ERR_ANNOTATED_COPY_REQUIRED: { status: 403, zh: '该证书只能以加注件形式下载使用，请设置用途和有效期生成加注件', en: 'This certificate can be downloaded only as an annotated copy: choose a purpose and a validity to create one' },
  ERR_UNKNOWN_PURPOSE: { status: 422, zh: '未知的使用场景', en: 'Unknown purpose (usage scene)' },
  // --- issue 14: long-term validation (src/ltv/revocation/)
  ERR_REVOCATION_UNAVAILABLE: { status: 503, zh: '无法获取证书状态信息（OCSP 或 CRL）', en: 'Certificate status information (OCSP or CRL) is unavailable', retryAfter: 30 },
  // --- issue 14: long-term validation (RFC 3161 time-stamping)
  ERR_TSA_UNAVAILABLE: { status: 503, zh: '时间戳服务不可用或其应答未通过校验，未签发任何内容', en: 'The time-stamping authority is unavailable or its response failed our checks; nothing was issued', retryAfter: 30 },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class EcertError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly bilingual: BilingualMessage;
  readonly details?: Record<string, unknown>;
  /** Seconds after which a retry may succeed (Retry-After), for errors that pass. */
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, detail?: { zh?: string; en?: string; details?: Record<string, unknown>; cause?: unknown }) {
    const spec: CodeSpec = ERROR_CODES[code];
    const zh = detail?.zh ? `${spec.zh}：${detail.zh}` : spec.zh;
    const en = detail?.en ? `${spec.en}: ${detail.en}` : spec.en;
    super(en, detail?.cause !== undefined ? { cause: detail.cause } : undefined);
    this.name = 'EcertError';
    this.code = code;
    this.status = spec.status;
    this.bilingual = { zh, en };
    this.details = detail?.details;
    const named = detail?.details?.retryAfterSeconds;
    this.retryAfterSeconds = typeof named === 'number' ? named : spec.retryAfter;
  }

  toJSON(): { error: { code: ErrorCode; message: BilingualMessage; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.bilingual, ...(this.details ? { details: this.details } : {}) } };
  }
}

export function isEcertError(e: unknown): e is EcertError {
  return e instanceof EcertError;
}
