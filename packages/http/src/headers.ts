/**
 * HTTP header fields: names compared case-insensitively, order of arrival kept, and a
 * name may repeat (`get` returns every value, like diesel's).
 * @example
 * const h = new HttpHeaders();
 * h.set('Content-Type', 'text/plain');
 * h.add('Set-Cookie', 'a=1');
 * h.add('Set-Cookie', 'b=2');
 * h.get('set-cookie'); // ['a=1', 'b=2']
 */
export class HttpHeaders implements Iterable<[string, string]> {
  /** [name as given, value] in order. */
  readonly #fields: [string, string][] = [];

  constructor(init?: Iterable<readonly [string, string]> | Record<string, string | readonly string[]>) {
    if (init === undefined) return;
    if (Symbol.iterator in init) {
      for (const [name, value] of init as Iterable<readonly [string, string]>) this.add(name, value);
    } else {
      for (const [name, value] of Object.entries(init)) {
        if (typeof value === 'string') this.add(name, value);
        else for (const v of value) this.add(name, v);
      }
    }
  }

  /** Every value of `name`, in order; empty if absent. */
  get(name: string): string[] {
    const key = name.toLowerCase();
    const length = key.length;
    const values: string[] = [];
    // Lengths first: most names are ruled out without lower-casing them.
    for (const [n, v] of this.#fields) if (n.length === length && n.toLowerCase() === key) values.push(v);
    return values;
  }

  /** The first value of `name`, or undefined. */
  first(name: string): string | undefined {
    const key = name.toLowerCase();
    const length = key.length;
    for (const [n, v] of this.#fields) if (n.length === length && n.toLowerCase() === key) return v;
    return undefined;
  }

  /** True if a field of this name (any case) is present. */
  has(name: string): boolean {
    return this.first(name) !== undefined;
  }

  /** Replaces every value of `name` with `value` (kept at the first one's position). */
  set(name: string, value: string | number): this {
    const key = name.toLowerCase();
    const text = checkValue(name, String(value));
    const at = this.#fields.findIndex(([n]) => n.toLowerCase() === key);
    this.delete(name);
    if (at === -1) this.#fields.push([checkName(name), text]);
    else this.#fields.splice(Math.min(at, this.#fields.length), 0, [checkName(name), text]);
    return this;
  }

  /** Appends one more value for `name`. */
  add(name: string, value: string | number): this {
    this.#fields.push([checkName(name), checkValue(name, String(value))]);
    return this;
  }

  /** Removes every field of this name (any case); returns the headers, for chaining. */
  delete(name: string): this {
    const key = name.toLowerCase();
    for (let i = this.#fields.length - 1; i >= 0; i--) if (this.#fields[i]![0].toLowerCase() === key) this.#fields.splice(i, 1);
    return this;
  }

  get size(): number {
    return this.#fields.length;
  }

  /** Each field as `[name, value]`, in order, names as they were given: `for (const [name, value] of headers)`. */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#fields[Symbol.iterator]();
  }

  /** @internal Adds a field the parser has already validated. */
  addTrusted(name: string, value: string): void {
    this.#fields.push([name, value]);
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Names already checked: handlers set the same few names on every response. */
const knownNames = new Set<string>();

function checkName(name: string): string {
  if (knownNames.has(name)) return name;
  if (!TOKEN.test(name)) throw new TypeError(`invalid HTTP header name ${JSON.stringify(name)}`);
  if (knownNames.size < 1024) knownNames.add(name);
  return name;
}

function checkValue(name: string, value: string): string {
  // CR, LF and NUL in a value would let a caller inject headers (response splitting).
  if (/[\r\n\0]/.test(value)) throw new TypeError(`invalid character in HTTP header ${name}`);
  return value;
}
