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
