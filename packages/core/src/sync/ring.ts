/** The size a ring starts at. */
const MIN_CAPACITY = 16;
/**
 * Up to this many slots (8 KiB) a ring keeps however empty it gets: a queue that fills
 * and drains every turn would otherwise copy itself down and up again every turn.
 */
const KEPT_CAPACITY = 1024;

/**
 * @internal A FIFO on a power-of-two ring of slots: a queue's items. Unlike an array
 * emptied with `length = 0` (which gives its backing store back, so a queue that fills
 * and drains every turn regrows it every turn) it keeps its slots while in use, grows by
 * doubling and, so a burst does not pin memory for good, halves once it is three
 * quarters empty (above 1,024 slots).
 * @example
 * const ring = new Ring<string>();
 * ring.push('a');
 * ring.unshift('b'); // back to the front
 * ring.shift(); // 'b'
 */
export class Ring<T> {
  #slots: (T | undefined)[] = new Array<T | undefined>(MIN_CAPACITY).fill(undefined);
  #mask = MIN_CAPACITY - 1;
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Slots held now (tests). */
  get capacity(): number {
    return this.#mask + 1;
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    if (this.#size > this.#mask) this.#resize((this.#mask + 1) * 2);
    this.#slots[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  /** Puts `item` back at the front (an item given back by a getter that never took it). */
  unshift(item: T): void {
    if (this.#size > this.#mask) this.#resize((this.#mask + 1) * 2);
    this.#head = (this.#head - 1) & this.#mask;
    this.#slots[this.#head] = item;
    this.#size++;
  }

  /** Takes the front item; the ring must not be empty. */
  shift(): T {
    const head = this.#head;
    const item = this.#slots[head] as T;
    // Not kept alive by the ring once taken.
    this.#slots[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#size--;
    const capacity = this.#mask + 1;
    if (capacity > KEPT_CAPACITY && this.#size * 4 < capacity) this.#resize(capacity / 2);
    return item;
  }

  #resize(capacity: number): void {
    const slots = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.#size; i++) slots[i] = this.#slots[(this.#head + i) & this.#mask];
    this.#slots = slots;
    this.#mask = capacity - 1;
    this.#head = 0;
  }
}
