/**
 * A FIFO that drops its oldest entries when asked to: the write buffer of the
 * invocation writer. Array + head index, so taking a batch off the front costs the
 * batch, not the whole buffer (`Array.prototype.shift`/`splice(0, n)` move everything).
 */
export class BoundedQueue<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns up to `count` entries from the front. */
  take(count: number): T[] {
    const end = Math.min(this.#head + count, this.#items.length);
    const taken = this.#items.slice(this.#head, end);
    this.#head = end;
    this.#compact();
    return taken;
  }

  /** Drops up to `count` of the oldest entries; returns how many it dropped. */
  dropOldest(count: number): number {
    const dropped = Math.min(Math.max(count, 0), this.length);
    this.#head += dropped;
    this.#compact();
    return dropped;
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
