/**
 * Text from a document, made safe to print on a terminal (security.md, "Terminal output"):
 * C0 and C1 control characters and DEL (ECMA-48 escape sequences start with them: ESC, CSI),
 * line breaks, and Unicode format characters (bidirectional overrides, zero-width characters)
 * are shown as visible `\xNN` / `\u{NNNN}` escapes, so a crafted value can neither move the
 * cursor, clear the screen, start a fake line nor reorder what follows.
 */
export function printable(value: unknown): string {
  return String(value).replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (c) => {
    const cp = c.codePointAt(0)!;
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
  });
}
