import { EcertError } from './errors';

/**
 * JSON from outside has a bounded nesting depth. JSON.parse itself copes with deep input,
 * but everything after it that recurses (JSON.stringify into the registry, schema
 * validation, logging) would overflow the stack: the depth is checked on the text, in one
 * linear pass, before anything is parsed.
 */
export const MAX_JSON_DEPTH = 32;

/** The deepest nesting of arrays and objects in a JSON text (strings skipped, RFC 8259 §7). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Parse JSON text of at most `maxDepth` levels: ERR_JSON_TOO_DEEP or ERR_INVALID_JSON otherwise. */
export function parseBoundedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepth(text) > maxDepth) throw tooDeep(maxDepth);
  try {
    return JSON.parse(text);
  } catch {
    throw new EcertError('ERR_INVALID_JSON');
  }
}

/** The same bound for a value parsed elsewhere (e.g. by a body parser), walked without recursion. */
export function assertJsonDepth(value: unknown, maxDepth = MAX_JSON_DEPTH): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > maxDepth) throw tooDeep(maxDepth);
    for (const child of Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
}

function tooDeep(maxDepth: number): EcertError {
  return new EcertError('ERR_JSON_TOO_DEEP', { zh: `嵌套不得超过 ${maxDepth} 层`, en: `at most ${maxDepth} levels of nesting` });
}
