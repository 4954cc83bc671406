/**
 * The token of a scanned verification URL `…/v/<token>`. Case-insensitive: the compact QR
 * prints its URL in upper case (ISO/IEC 18004 §7.4.4 alphanumeric mode), `HTTP://HOST/V/<digits>`.
 * Accepts the compact numeric token and the earlier JWS form.
 */
export function tokenFromText(text: string): string | undefined {
  return /\/v\/([0-9]{40,800}|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/i.exec(text)?.[1];
}
