import { z } from 'zod';
import { createAnnotationSchema } from '../annotate/holderAnnotationSchemas';
import { issueRequestSchema } from '../issue/validateIssueRequest';
import { revokeRequestSchema } from '../issue/revokeCertificate';
import { reissueReasonSchema } from '../issue/reissueCertificate';
import { holderLookupSchema } from '../issue/lookupHolderDocument';
import { ERROR_CODES } from '../core/errors';
import { BATCH_ERRORS_LISTED } from '../registry/RegistryStore';

/**
 * OpenAPI 3.1 description of the HTTP API. Request bodies are generated from the same zod
 * schemas that validate them (z.toJSONSchema), so the document cannot drift from the code.
 */
export function openApiDocument(publicUrl: string): Record<string, unknown> {
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  const errorRef = { $ref: '#/components/schemas/Error' };
  const reportRef = { $ref: '#/components/schemas/VerificationReport' };
  const errors = (...codes: number[]) =>
    Object.fromEntries(codes.map((c) => [String(c), { description: httpText[c], content: { 'application/json': { schema: errorRef } } }]));
  const json = (s: unknown) => ({ content: { 'application/json': { schema: s } } });
  const pdf = { content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } };
  const issuer = [{ issuerKey: [] }];
  const no = { name: 'managementNo', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]{14}[0-9X]$' } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'ecert: professional-qualification e-certificates',
      version: '1',
      description: 'Issue and verify 专业技术人员职业资格电子证书 (人社厅发〔2021〕97号). Errors: {"error": {"code", "message": {"zh", "en"}}}.',
    },
    servers: [{ url: publicUrl }],
    components: {
      securitySchemes: { issuerKey: { type: 'http', scheme: 'bearer', description: 'issuer API key (ecert issuers add)' } },
      schemas: {
        IssueRequest: schema(issueRequestSchema),
        RevokeRequest: schema(revokeRequestSchema),
        ReissueRequest: { allOf: [{ $ref: '#/components/schemas/IssueRequest' }, schema(reissueReasonSchema)] },
        HolderLookup: schema(holderLookupSchema),
        CreateAnnotation: schema(createAnnotationSchema),
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: Object.keys(ERROR_CODES) },
                message: { type: 'object', properties: { zh: { type: 'string' }, en: { type: 'string' } } },
                details: { type: 'object' },
              },
            },
          },
        },
        VerificationReport: {
          type: 'object',
          required: ['evidence', 'indication', 'checks', 'message'],
          properties: {
            evidence: { enum: ['pdf', 'qr'], description: 'pdf: the file’s seal, bytes and the registry; qr: only the token (compare the facts with the document in hand)' },
            indication: { enum: ['TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE'] },
            subIndication: { type: 'string' },
            certificate: { type: 'object', description: 'facts of the certificate; the ID number masked' },
            signer: { type: 'object' },
            checks: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, passed: { type: 'boolean' }, detail: { type: 'string' } } } },
            message: { type: 'object', properties: { zh: { type: 'string' }, en: { type: 'string' } } },
            verifiedAt: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
    paths: {
      '/api/v1/qualifications': { get: { summary: 'The qualification catalog', responses: { 200: json({ type: 'array' }) } } },
      '/api/v1/certificates': {
        post: {
          summary: 'Issue one certificate',
          security: issuer,
          requestBody: { required: true, ...json({ $ref: '#/components/schemas/IssueRequest' }) },
          responses: { 201: json({ type: 'object' }), 200: { description: 'already issued: the existing certificate' }, ...errors(400, 401, 403, 422, 503) },
        },
      },
      '/api/v1/certificates/{managementNo}': { get: { summary: 'The record, with status', security: issuer, parameters: [no], responses: { 200: json({ type: 'object' }), ...errors(401, 403, 404) } } },
      '/api/v1/certificates/{managementNo}/pdf': {
        get: {
          summary: 'The signed PDF: its newest archive revision (PAdES B-LTA) unless `revision` says otherwise',
          security: issuer,
          parameters: [
            no,
            { name: 'version', in: 'query', required: false, schema: { type: 'integer', minimum: 1 }, description: 'document version (default: the current one)' },
            { name: 'revision', in: 'query', required: false, schema: { type: 'integer', minimum: 0 }, description: '0: as issued (B-T); N: archive revision N (`ecert ltv renew`)' },
          ],
          responses: { 200: pdf, ...errors(401, 403, 404, 422) },
        },
      },
      '/api/v1/certificates/{managementNo}/revoke': {
        post: { summary: 'Revoke', security: issuer, parameters: [no], requestBody: { required: true, ...json({ $ref: '#/components/schemas/RevokeRequest' }) }, responses: { 200: json({ type: 'object' }), ...errors(401, 403, 404, 409, 422) } },
      },
      '/api/v1/certificates/{managementNo}/reissue': {
        post: { summary: 'Re-issue a corrected document under the same 管理号', security: issuer, parameters: [no], requestBody: { required: true, ...json({ $ref: '#/components/schemas/ReissueRequest' }) }, responses: { 201: json({ type: 'object' }), ...errors(401, 403, 404, 409, 422) } },
      },
      '/api/v1/batches': {
        post: {
          summary: 'Submit a batch (CSV with Chinese or English headers, UTF-8/GB18030; or a JSON array of issue requests)',
          security: issuer,
          requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/IssueRequest' } } } } },
          responses: { 202: json({ type: 'object', properties: { batchId: { type: 'string' }, total: { type: 'integer' } } }), ...errors(400, 401, 413, 415, 422) },
        },
      },
      '/api/v1/batches/{batchId}': {
        get: {
          summary: `Progress and per-row errors: at most ${BATCH_ERRORS_LISTED} failed rows an answer, the next page at links.nextErrors`,
          security: issuer,
          parameters: [
            { name: 'batchId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'errorsAfter', in: 'query', required: false, schema: { type: 'integer', minimum: 0 }, description: 'list the failed rows after this row (errorsNext of the previous answer)' },
          ],
          responses: { 200: json({ type: 'object' }), ...errors(401, 404, 422) },
        },
      },
      '/api/v1/batches/{batchId}/zip': { get: { summary: 'The issued PDFs as one ZIP stream', security: issuer, parameters: [{ name: 'batchId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'ZIP', content: { 'application/zip': {} } }, ...errors(401, 404) } } },
      '/api/v1/holder/lookup': { post: { summary: 'Holder download (one generic 404 for every miss; rate-limited)', requestBody: { required: true, ...json({ $ref: '#/components/schemas/HolderLookup' }) }, responses: { 200: pdf, ...errors(403, 404, 422, 429) } } },
      // issue 15 (加注)
      '/api/v1/holder/annotations': { post: { summary: 'Create an annotated copy (purpose, validDays 1–90): 201 PDF with X-Annotation-Id, X-Valid-Until, X-Document-SHA256; 409 ERR_ANNOTATION_LIMIT', requestBody: { required: true, ...json({ $ref: '#/components/schemas/CreateAnnotation' }) }, responses: { 201: pdf, ...errors(404, 409, 422, 429) } } },
      '/api/v1/holder/annotations/list': { post: { summary: 'The holder’s annotated copies (purpose, createdAt, validUntil, status valid|expired|withdrawn)', requestBody: { required: true, ...json({ $ref: '#/components/schemas/HolderLookup' }) }, responses: { 200: json({ type: 'object' }), ...errors(404, 422, 429) } } },
      '/api/v1/holder/annotations/{id}/withdraw': { post: { summary: 'Withdraw an annotated copy (it then verifies as ANNOTATION_WITHDRAWN)', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], requestBody: { required: true, ...json({ $ref: '#/components/schemas/HolderLookup' }) }, responses: { 200: json({ type: 'object' }), ...errors(404, 422, 429) } } },
      '/api/v1/verify': {
        post: {
          summary: 'Verify an uploaded PDF, or a PNG/JPEG/WebP image of its QR code (→ the token report)',
          requestBody: { required: true, content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } }, 'image/png': { schema: { type: 'string', format: 'binary' } }, 'image/jpeg': { schema: { type: 'string', format: 'binary' } }, 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } } } } },
          responses: { 200: json(reportRef), ...errors(400, 413, 415, 422) },
        },
      },
      '/api/v1/verify/token/{token}': { get: { summary: 'Verify a QR token', parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: json(reportRef) } } },
      '/api/v1/directory': {
        get: {
          summary: 'The national qualification directory (国家职业资格目录 2021): in it, former name, removed, named fake, suggestions or not in it',
          parameters: [{ name: 'q', in: 'query', required: true, schema: { type: 'string', minLength: 1, maxLength: 60 } }],
          responses: { 200: json({ type: 'object', required: ['query', 'inDirectory', 'answer', 'matches', 'message', 'source'] }), ...errors(400) },
        },
      },
      '/.well-known/jwks.json': { get: { summary: 'Public keys of QR tokens', responses: { 200: json({ type: 'object' }) } } },
      '/api/v1/trust-anchors': { get: { summary: 'Root certificates (PEM)', responses: { 200: { description: 'PEM', content: { 'application/x-pem-file': {} } } } } },
      '/healthz': { get: { summary: 'Liveness and registry reachability', responses: { 200: json({ type: 'object' }), 503: json({ type: 'object' }) } } },
      '/pki/crl/{rootId}.crl': { get: { summary: 'CRL of a development root (RFC 5280 §5), named in development seal certificates', parameters: [{ name: 'rootId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'DER CRL', content: { 'application/pkix-crl': {} } }, ...errors(404) } } },
      '/pki/ocsp': {
        post: {
          summary: 'OCSP responder of the development CA (RFC 6960); a malformed request gets a malformedRequest response',
          requestBody: { required: true, content: { 'application/ocsp-request': {} } },
          responses: { 200: { description: 'DER OCSPResponse', content: { 'application/ocsp-response': {} } }, ...errors(413) },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format' } } } },
    },
  };
}

const httpText: Record<number, string> = {
  400: 'bad request',
  401: 'no valid issuer credential',
  403: 'outside the issuer’s scope',
  404: 'not found',
  409: 'conflict',
  413: 'too large',
  415: 'unsupported media type',
  422: 'validation failed',
  429: 'rate limited',
  503: 'registry unavailable',
};
