import { QrImageDecoder } from './QrImageDecoder';

let shared: QrImageDecoder | undefined;

/**
 * Decode a QR code from a photo or screenshot (PNG, JPEG, WebP), off the main thread (see
 * QrImageDecoder: queue, time and heap limits). Resolves to the text, or undefined when there
 * is no readable code or the bytes are not an image; rejects with ERR_BUSY or
 * ERR_QR_DECODE_TIMEOUT when the decoder's limits are reached.
 */
export function decodeQrImage(bytes: Buffer): Promise<string | undefined> {
  shared ??= new QrImageDecoder();
  return shared.decode(bytes);
}

/** The token of a verification URL `…/v/<token>`, or undefined. */
export function tokenFromUrl(text: string): string | undefined {
  return /\/v\/([A-Za-z0-9_.-]+)\s*$/.exec(text)?.[1];
}
