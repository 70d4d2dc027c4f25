// Where exactly is a JSON text malformed? JSON.parse does not always say (V8's "Unexpected token"
// messages carry no position), so this minimal RFC 8259 scanner finds the offset of the first
// offending character. It only runs after JSON.parse has already failed.

/** Offset of the first syntax error in `text`, or undefined if it is valid JSON. */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  let at = 0;

  class Stop {
    constructor(readonly offset: number) {}
  }
  const fail = (offset = at): never => {
    throw new Stop(offset);
  };
  const skipSpace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++;
  };
  const expect = (literal: string) => {
    for (const ch of literal) if (text[at++] !== ch) fail(at - 1);
  };

  const string = () => {
    expect('"');
    for (;;) {
      if (at >= text.length) fail();
      const ch = text[at];
      if (ch === '"') return void at++;
      if (ch < ' ') fail();
      if (ch === '\\') {
        at++;
        if (text[at] === 'u') {
          at++;
          for (let i = 0; i < 4; i++, at++) if (!/[0-9A-Fa-f]/.test(text[at] ?? '')) fail();
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[at] ?? 'x')) fail();
      }
      at++;
    }
  };

  const number = () => {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(at));
    if (!match) fail();
    at += match![0].length;
  };

  const value = (): void => {
    skipSpace();
    const ch = text[at];
    if (ch === '{') {
      at++;
      skipSpace();
      if (text[at] === '}') return void at++;
      for (;;) {
        skipSpace();
        string();
        skipSpace();
        expect(':');
        value();
        skipSpace();
        if (text[at] === ',') at++;
        else if (text[at] === '}') return void at++;
        else fail();
      }
    }
    if (ch === '[') {
      at++;
      skipSpace();
      if (text[at] === ']') return void at++;
      for (;;) {
        value();
        skipSpace();
        if (text[at] === ',') at++;
        else if (text[at] === ']') return void at++;
        else fail();
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return expect('true');
    if (ch === 'f') return expect('false');
    if (ch === 'n') return expect('null');
    if (ch === '-' || (ch >= '0' && ch <= '9')) return number();
    fail();
  };

  try {
    value();
    skipSpace();
    if (at < text.length) fail();
    return undefined;
  } catch (stop) {
    if (stop instanceof Stop) return Math.min(stop.offset, text.length);
    throw stop;
  }
}

/**
 * Whether valid JSON `text` repeats a key within one object (JSON.parse keeps the last silently).
 * Only run on text JSON.parse accepted, so strings and brackets are well formed.
 */
export function jsonHasDuplicateKey(text: string): boolean {
  const QUOTE = 0x22;
  const BACKSLASH = 0x5c;
  // One entry per open bracket: the keys seen so far for an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let keyNext = false;
  for (let at = 0; at < text.length; at++) {
    const ch = text.charCodeAt(at);
    if (ch === QUOTE) {
      const start = at;
      let escaped = false;
      for (at++; text.charCodeAt(at) !== QUOTE; at++) {
        if (text.charCodeAt(at) === BACKSLASH) (escaped = true), at++;
      }
      if (!keyNext) continue;
      const keys = open[open.length - 1]!;
      const key = escaped ? (JSON.parse(text.slice(start, at + 1)) as string) : text.slice(start + 1, at);
      if (keys.has(key)) return true;
      keys.add(key);
      keyNext = false;
    } else if (ch === 0x7b /* { */) {
      open.push(new Set());
      keyNext = true;
    } else if (ch === 0x5b /* [ */) {
      open.push(null);
      keyNext = false;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      open.pop();
      keyNext = false;
    } else if (ch === 0x2c /* , */) {
      keyNext = open.length > 0 && open[open.length - 1] !== null;
    }
  }
  return false;
}
