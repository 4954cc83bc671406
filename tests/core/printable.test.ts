import { describe, expect, it } from 'vitest';
import { printable } from '../../src/core/printable';

describe('printable', () => {
  it('shows C0/C1 controls, DEL, line breaks and format characters as visible escapes', () => {
    expect(printable('a\x1b[2Jb')).toBe('a\\x1b[2Jb');
    expect(printable('x\ny\rz\x7f\x9b')).toBe('x\\x0ay\\x0dz\\x7f\\x9b');
    expect(printable('abc\u202edef\u200b')).toBe('abc\\u{202e}def\\u{200b}');
    expect(printable('张三 110105************')).toBe('张三 110105************');
  });
});
