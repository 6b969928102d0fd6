import { describe, expect, it } from 'vitest';
import { InflightList } from './inflight-list.ts';

interface Entry {
  id: string;
  slot: number;
}
const entry = (id: string): Entry => ({ id, slot: -1 });

describe('InflightList', () => {
  it('adds and removes in any order, keeping every other entry', () => {
    const list = new InflightList<Entry>();
    const [a, b, c, d] = [entry('a'), entry('b'), entry('c'), entry('d')];
    for (const e of [a, b, c, d]) list.add(e);
    expect(list.remove(b)).toBe(true);
    expect(list.remove(a)).toBe(true);
    expect(list.size).toBe(2);
    expect(
      list
        .snapshot()
        .map((e) => e.id)
        .sort(),
    ).toEqual(['c', 'd']);
    expect(list.find((e) => e.id === 'd')).toBe(d);
    expect(list.find((e) => e.id === 'a')).toBeUndefined();
  });

  it('says false for an entry removed already, and leaves the others alone', () => {
    const list = new InflightList<Entry>();
    const a = entry('a');
    const b = entry('b');
    list.add(a);
    list.add(b);
    expect(list.remove(a)).toBe(true);
    expect(list.remove(a)).toBe(false);
    expect(a.slot).toBe(-1);
    expect(list.snapshot()).toEqual([b]);
  });

  it('lets a snapshot be walked while its entries are removed', () => {
    const list = new InflightList<Entry>();
    const entries = Array.from({ length: 10 }, (_, i) => entry(String(i)));
    for (const e of entries) list.add(e);
    for (const e of list.snapshot()) if (Number(e.id) % 2 === 0) list.remove(e);
    expect(
      list
        .snapshot()
        .map((e) => e.id)
        .sort(),
    ).toEqual(['1', '3', '5', '7', '9']);
    for (const e of list.snapshot()) list.remove(e);
    expect(list.size).toBe(0);
  });
});
