import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonicalJson';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[2,{"y":null,"z":1}]},"b":1}');
  });
  it('gives the same string for objects built in different orders', () => {
    expect(canonicalJson({ x: '张三', y: 2 })).toBe(canonicalJson({ y: 2, x: '张三' }));
  });
  it('refuses non-finite numbers', () => {
    expect(() => canonicalJson({ n: Infinity })).toThrow();
  });
});
