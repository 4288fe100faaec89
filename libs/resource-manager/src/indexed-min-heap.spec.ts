import fc from 'fast-check';
import { IndexedMinHeap, type HeapItem } from './indexed-min-heap';

class Keyed implements HeapItem {
  heapIndex = -1;
  constructor(public heapKey: number) {}
}

describe('IndexedMinHeap', () => {
  it('pops in key order', () => {
    const heap = new IndexedMinHeap<Keyed>();
    for (const key of [5, 1, 4, 2, 3]) heap.push(new Keyed(key));
    const popped: number[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item.heapKey);
    expect(popped).toEqual([1, 2, 3, 4, 5]);
    expect(heap.size).toBe(0);
  });

  it('keeps its order through arbitrary removals and key increases (compared with a sorted list)', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), key: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('raise' as const), pick: fc.nat(), by: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ kind: fc.constant('pop' as const) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 80 }), (operations) => {
        const heap = new IndexedMinHeap<Keyed>();
        const members: Keyed[] = [];
        for (const op of operations) {
          if (op.kind === 'push') {
            const item = new Keyed(op.key);
            heap.push(item);
            members.push(item);
          } else if (op.kind === 'pop') {
            const expected = Math.min(...members.map((item) => item.heapKey));
            const item = heap.pop();
            expect(item?.heapKey ?? Infinity).toBe(expected);
            if (item !== undefined) members.splice(members.indexOf(item), 1);
            expect(item?.heapIndex ?? -1).toBe(-1);
          } else {
            const item = members[op.pick % Math.max(1, members.length)];
            if (item === undefined) continue;
            if (op.kind === 'remove') {
              heap.remove(item);
              members.splice(members.indexOf(item), 1);
            } else {
              item.heapKey += op.by;
              heap.reposition(item.heapIndex);
            }
          }
          expect(heap.size).toBe(members.length);
          expect(heap.peek()?.heapKey ?? Infinity).toBe(Math.min(...members.map((item) => item.heapKey)));
        }
      }),
    );
  });
});
