import { describe, expect, it } from 'vitest';
import { BootQueue, type BootTurn } from './boot-queue.ts';

/** Which of these turns have been granted, after the microtasks that grant them ran. */
async function grantedOf(turns: BootTurn[]): Promise<number[]> {
  const granted: number[] = [];
  turns.forEach((turn, index) => void turn.granted.then(() => granted.push(index)));
  await new Promise((resolve) => setImmediate(resolve));
  return granted.sort();
}

describe('BootQueue', () => {
  it('runs as many boots at once as it is told, the next one as one ends', async () => {
    const queue = new BootQueue(2);
    const turns = [queue.turn(), queue.turn(), queue.turn(), queue.turn()];
    expect(await grantedOf(turns)).toEqual([0, 1]);
    turns[0]!.done();
    expect(await grantedOf(turns)).toEqual([0, 1, 2]);
    turns[1]!.done();
    turns[2]!.done();
    expect(await grantedOf(turns)).toEqual([0, 1, 2, 3]);
  });

  it('lets a hurried boot go at once, past the limit, and counts it as running', async () => {
    const queue = new BootQueue(1);
    const turns = [queue.turn(), queue.turn(), queue.turn()];
    turns[2]!.hurry();
    expect(await grantedOf(turns)).toEqual([0, 2]);
    turns[0]!.done();
    // The hurried one still runs: the limit of one is reached, so the second waits.
    expect(await grantedOf(turns)).toEqual([0, 2]);
    turns[2]!.done();
    expect(await grantedOf(turns)).toEqual([0, 1, 2]);
  });

  it('forgets a boot that ends while it waits', async () => {
    const queue = new BootQueue(1);
    const turns = [queue.turn(), queue.turn(), queue.turn()];
    turns[1]!.done();
    turns[0]!.done();
    expect(await grantedOf(turns)).toEqual([0, 2]);
  });
});
