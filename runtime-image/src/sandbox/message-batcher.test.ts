import { describe, expect, it } from 'vitest';
import { MessageBatcher } from './message-batcher.ts';

describe('MessageBatcher', () => {
  it('posts the messages of one event-loop turn together, with their transfers', async () => {
    const posts: { batch: number[]; transfer: ArrayBuffer[] }[] = [];
    const batcher = new MessageBatcher<number>((batch, transfer) => posts.push({ batch, transfer }));
    const buffer = new ArrayBuffer(8);
    batcher.send(1);
    batcher.send(2, [buffer]);
    batcher.send(3);
    expect(posts).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(posts).toEqual([{ batch: [1, 2, 3], transfer: [buffer] }]);
    batcher.send(4);
    await new Promise((resolve) => setImmediate(resolve));
    expect(posts.map((p) => p.batch)).toEqual([[1, 2, 3], [4]]);
  });

  it('flush() posts at once, and nothing when empty', () => {
    const posts: number[][] = [];
    const batcher = new MessageBatcher<number>((batch) => posts.push(batch));
    batcher.flush();
    batcher.send(7);
    batcher.flush();
    expect(posts).toEqual([[7]]);
  });
});
