/** An element that remembers its slot in the heap, so a key change or a removal needs no search. -1: not in a heap. */
export interface HeapItem {
  heapIndex: number;
  readonly heapKey: number;
}

/** A binary min-heap on `heapKey` with O(log n) push, pop, removal and re-positioning of any element. */
export class IndexedMinHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    this.items.push(item);
    item.heapIndex = this.items.length - 1;
    this.siftUp(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  remove(item: T): void {
    const index = item.heapIndex;
    const last = this.items.pop();
    item.heapIndex = -1;
    if (last === undefined || last === item) return;
    this.place(last, index);
    this.reposition(index);
  }

  /** Restores the order after `item`'s key changed. */
  reposition(index: number): void {
    this.siftDown(this.siftUp(index));
  }

  private place(item: T, index: number): void {
    this.items[index] = item;
    item.heapIndex = index;
  }

  private siftUp(start: number): number {
    const item = this.items[start];
    if (item === undefined) return start;
    let index = start;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = this.items[parentIndex];
      if (parent === undefined || parent.heapKey <= item.heapKey) break;
      this.place(parent, index);
      index = parentIndex;
    }
    this.place(item, index);
    return index;
  }

  private siftDown(start: number): void {
    const item = this.items[start];
    if (item === undefined) return;
    const count = this.items.length;
    let index = start;
    for (;;) {
      const leftIndex = 2 * index + 1;
      if (leftIndex >= count) break;
      let childIndex = leftIndex;
      let child = this.items[leftIndex];
      const right = this.items[leftIndex + 1];
      if (child === undefined) break;
      if (right !== undefined && right.heapKey < child.heapKey) {
        childIndex = leftIndex + 1;
        child = right;
      }
      if (child.heapKey >= item.heapKey) break;
      this.place(child, index);
      index = childIndex;
    }
    this.place(item, index);
  }
}
