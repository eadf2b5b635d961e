/**
 * The patterns a collect node checks a caller's keys against: a small, documented subset of regular
 * expression syntax (docs/ivr.md), parsed here and matched by our own set-of-positions matcher, never by
 * the backtracking RegExp engine. Matching costs at most pattern size × (input length)²: with input of
 * at most 64 keys, microseconds, whatever the pattern (a RegExp `(1+)+2` took half a second per input).
 *
 * The subset: keys `0`-`9`, `#`, `A`-`D` and `\*` (a bare `*` repeats); `\d` (a digit); `.` (any key);
 * classes `[...]` of keys, ranges such as `1-5` and `\d` (`[^...]` negates); groups `(...)` and
 * `(?:...)`; alternation `|`; quantifiers `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}` (n, m at most 64). The
 * whole input must match; a leading `^` and a trailing `$` are allowed and change nothing. Refused:
 * anything else, such as lookaround, backreferences, lazy quantifiers, and a quantified group holding
 * another quantifier (`(1+)+`: never needed for keys, and the shape that is slow elsewhere).
 */

/** The keys a phone sends, each one bit of a set. */
const KEYS = '0123456789*#ABCD';
const ALL_KEYS = (1 << KEYS.length) - 1;
const DIGITS = (1 << 10) - 1;

/** Longest pattern a flow may hold. */
export const MAX_KEY_PATTERN_CHARS = 200;
/** Largest count a quantifier may name: the most keys a collect node takes. */
const MAX_COUNT = 64;

type Node =
  | { kind: 'keys'; set: number }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; branches: Node[] }
  | { kind: 'repeat'; node: Node; min: number; max: number };

/** A compiled pattern: `matches(input)` says whether the whole input fits it. */
export interface KeyPattern {
  readonly source: string;
  matches(input: string): boolean;
}

export class KeyPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyPatternError';
  }
}

const keyBit = (c: string) => {
  const i = KEYS.indexOf(c);
  return i < 0 ? 0 : 1 << i;
};

class Parser {
  #at = 0;
  constructor(readonly text: string) {}

  parse(): Node {
    if (this.text.startsWith('^')) this.#at = 1;
    const node = this.#alternation();
    if (this.#peek() === '$' && this.#at === this.text.length - 1) this.#at += 1;
    if (this.#at < this.text.length) {
      const c = this.#peek();
      throw this.#fail(c === ')' ? 'a ")" without its "("' : `"${c}" is not allowed here`);
    }
    return node;
  }

  #peek(): string | undefined {
    return this.text[this.#at];
  }

  #fail(problem: string, at = this.#at): KeyPatternError {
    return new KeyPatternError(`${problem} (at character ${at + 1})`);
  }

  #alternation(): Node {
    const branches = [this.#sequence()];
    while (this.#peek() === '|') {
      this.#at += 1;
      branches.push(this.#sequence());
    }
    return branches.length === 1 ? branches[0]! : { kind: 'alt', branches };
  }

  #sequence(): Node {
    const items: Node[] = [];
    for (let c = this.#peek(); c !== undefined && c !== '|' && c !== ')'; c = this.#peek()) {
      if (c === '$' && this.#at === this.text.length - 1) break;
      items.push(this.#quantified());
    }
    return { kind: 'seq', items };
  }

  #quantified(): Node {
    const start = this.#at;
    const atom = this.#atom();
    const bounds = this.#quantifier();
    if (!bounds) return atom;
    if (holdsRepeat(atom)) {
      throw this.#fail('a quantified group may not hold another quantifier (nested quantifiers)', start);
    }
    const next = this.#peek();
    if (next === '?') throw this.#fail('lazy quantifiers are not supported');
    if (next === '*' || next === '+' || next === '{') throw this.#fail('a quantifier after a quantifier');
    return { kind: 'repeat', node: atom, ...bounds };
  }

  #quantifier(): { min: number; max: number } | null {
    const c = this.#peek();
    if (c === '?' || c === '*' || c === '+') {
      this.#at += 1;
      return { min: c === '+' ? 1 : 0, max: c === '?' ? 1 : Number.POSITIVE_INFINITY };
    }
    if (c !== '{') return null;
    const close = this.text.indexOf('}', this.#at);
    const body = close < 0 ? '' : this.text.slice(this.#at + 1, close);
    const m = /^(\d{1,3})(,(\d{0,3}))?$/.exec(body);
    if (!m) throw this.#fail('expected {n}, {n,} or {n,m}');
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    if (min > MAX_COUNT || (max !== Number.POSITIVE_INFINITY && max > MAX_COUNT)) {
      throw this.#fail(`a count above ${MAX_COUNT} (a caller keys in at most ${MAX_COUNT})`);
    }
    if (max < min) throw this.#fail('{n,m} with m below n');
    this.#at = close + 1;
    return { min, max };
  }

  #atom(): Node {
    const at = this.#at;
    const c = this.#peek()!;
    this.#at += 1;
    if (c === '.') return { kind: 'keys', set: ALL_KEYS };
    if (c === '\\') return { kind: 'keys', set: this.#escape() };
    if (c === '[') return { kind: 'keys', set: this.#class(at) };
    if (c === '(') {
      if (this.#peek() === '?') {
        if (this.text[this.#at + 1] !== ':')
          throw this.#fail('lookaround and named groups are not supported', at);
        this.#at += 2;
      }
      const inner = this.#alternation();
      if (this.#peek() !== ')') throw this.#fail('a "(" that is never closed', at);
      this.#at += 1;
      return inner;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{')
      throw this.#fail(`"${c}" with nothing to repeat`, at);
    if (keyBit(c) !== 0) return { kind: 'keys', set: keyBit(c) };
    throw this.#fail(`"${c}" is not a key (0-9, *, #, A-D)`, at);
  }

  /** After a backslash: \d, \*, \# or an escaped key. */
  #escape(): number {
    const at = this.#at - 1;
    const c = this.#peek();
    this.#at += 1;
    if (c === 'd') return DIGITS;
    if (c === '*' || c === '#') return keyBit(c);
    if (c !== undefined && /[1-9]/.test(c)) throw this.#fail('backreferences are not supported', at);
    throw this.#fail(`"\\${c ?? ''}" is not supported (\\d, \\* and \\# are)`, at);
  }

  /** After "[": the set of keys up to "]". */
  #class(open: number): number {
    let negate = false;
    if (this.#peek() === '^') {
      negate = true;
      this.#at += 1;
    }
    let set = 0;
    for (;;) {
      const c = this.#peek();
      if (c === undefined) throw this.#fail('a "[" that is never closed', open);
      this.#at += 1;
      if (c === ']') break;
      if (c === '\\') {
        set |= this.#escape();
        continue;
      }
      const bit = keyBit(c);
      if (bit === 0) throw this.#fail(`"${c}" is not a key (0-9, *, #, A-D)`, this.#at - 1);
      const to = this.text[this.#at + 1];
      if (this.#peek() === '-' && to !== undefined && to !== ']') {
        const from = KEYS.indexOf(c);
        const last = KEYS.indexOf(to);
        if (from > 9 || last < 0 || last > 9 || last < from) {
          throw this.#fail(`"${c}-${to}" is not a range of digits`, this.#at - 1);
        }
        for (let i = from; i <= last; i += 1) set |= 1 << i;
        this.#at += 2;
        continue;
      }
      set |= bit;
    }
    return negate ? ALL_KEYS & ~set : set;
  }
}

function holdsRepeat(node: Node): boolean {
  switch (node.kind) {
    case 'keys':
      return false;
    case 'repeat':
      return true;
    case 'seq':
      return node.items.some(holdsRepeat);
    case 'alt':
      return node.branches.some(holdsRepeat);
  }
}

/**
 * The input positions `node` can end at when started at any position in `from` (a set of positions 0
 * to input length, as flags). Each step is linear in the input; a repeat takes at most input length + 1
 * steps, as a position once reached is never stepped from again.
 */
function ends(node: Node, keys: number[], from: Uint8Array): Uint8Array {
  const n = keys.length;
  switch (node.kind) {
    case 'keys': {
      const to = new Uint8Array(n + 1);
      for (let p = 0; p < n; p += 1) if (from[p] && keys[p]! & node.set) to[p + 1] = 1;
      return to;
    }
    case 'seq':
      return node.items.reduce((at, item) => ends(item, keys, at), from);
    case 'alt': {
      const to = new Uint8Array(n + 1);
      for (const branch of node.branches) {
        const reached = ends(branch, keys, from);
        for (let p = 0; p <= n; p += 1) to[p] ||= reached[p]!;
      }
      return to;
    }
    case 'repeat': {
      let at = from;
      for (let i = 0; i < node.min; i += 1) at = ends(node.node, keys, at);
      const reached = Uint8Array.from(at);
      let frontier = at;
      for (let i = node.min; i < node.max; i += 1) {
        const next = ends(node.node, keys, frontier);
        frontier = new Uint8Array(n + 1);
        let grew = false;
        for (let p = 0; p <= n; p += 1) {
          if (next[p] && !reached[p]) {
            reached[p] = 1;
            frontier[p] = 1;
            grew = true;
          }
        }
        if (!grew) break;
      }
      return reached;
    }
  }
}

/** Parses a pattern; throws KeyPatternError naming the problem and where it is. */
export function compileKeyPattern(source: string): KeyPattern {
  if (source.length > MAX_KEY_PATTERN_CHARS) {
    throw new KeyPatternError(`longer than ${MAX_KEY_PATTERN_CHARS} characters`);
  }
  const root = new Parser(source).parse();
  return {
    source,
    matches(input) {
      const keys = [...input].map(keyBit);
      if (keys.includes(0)) return false;
      const start = new Uint8Array(keys.length + 1);
      start[0] = 1;
      return ends(root, keys, start)[keys.length] === 1;
    },
  };
}

/** What is wrong with a pattern, or null when it is one this module matches. */
export function keyPatternProblem(source: string): string | null {
  try {
    compileKeyPattern(source);
    return null;
  } catch (err) {
    if (err instanceof KeyPatternError) return err.message;
    throw err;
  }
}
