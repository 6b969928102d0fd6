/**
 * A FIFO that drops its oldest entries when asked to: the write buffer of the
 * invocation writer. Each entry weighs a number of rows (a run of invocation records
 * weighs its record count, a console line 1), and sizes are in rows. Array + head
 * index, so taking a batch off the front costs the batch, not the whole buffer
 * (`Array.prototype.shift`/`splice(0, n)` move everything).
 */
export class BoundedQueue<T> {
  readonly #weigh: (item: T) => number;
  #items: T[] = [];
  #head = 0;
  #weight = 0;

  constructor(weigh: (item: T) => number = () => 1) {
    this.#weigh = weigh;
  }

  /** Rows queued. */
  get weight(): number {
    return this.#weight;
  }

  push(item: T): void {
    this.#items.push(item);
    this.#weight += this.#weigh(item);
  }

  /** Removes entries from the front until they weigh at least `weight` rows (or none are left). */
  take(weight: number): T[] {
    const start = this.#head;
    this.#advance(weight);
    const taken = this.#items.slice(start, this.#head);
    this.#compact();
    return taken;
  }

  /** Drops the oldest entries until at least `weight` rows are gone; returns how many rows went. */
  dropOldest(weight: number): number {
    const dropped = this.#advance(weight);
    this.#compact();
    return dropped;
  }

  #advance(weight: number): number {
    // Not dropFromFront below: the head index spares moving what stays.
    let moved = 0;
    while (moved < weight && this.#head < this.#items.length) {
      moved += this.#weigh(this.#items[this.#head]!);
      this.#head += 1;
    }
    this.#weight -= moved;
    return moved;
  }

  #compact(): void {
    // Reclaim the consumed prefix once it outweighs what is left.
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * Removes entries from the front of a plain array until at least `weight` rows are gone
 * (a batch held for a retry shrinks this way); returns how many rows went.
 */
export function dropFromFront<T>(items: T[], weight: number, weigh: (item: T) => number = () => 1): number {
  let dropped = 0;
  let count = 0;
  while (dropped < weight && count < items.length) {
    dropped += weigh(items[count]!);
    count += 1;
  }
  items.splice(0, count);
  return dropped;
}
