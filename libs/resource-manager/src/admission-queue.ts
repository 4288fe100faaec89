import { type Budget } from './budget';
import { type RequestShape } from './ledger-units';
import { IndexedMinHeap } from './indexed-min-heap';
import { type ParkedTask } from './parked-task';
import { RequestFloor } from './request-floor';
import { ShapeLine } from './shape-line';

/**
 * The parked tasks, grouped into one FIFO line per distinct request shape, the lines ordered by their first task's
 * arrival. The head of the queue (the earliest parked task) is the first task of the first line: O(1). Parking and
 * removal (admission, abort) are O(1) plus O(log shapes) when a line's first task changes.
 */
export class AdmissionQueue {
  private readonly lines = new Map<string, ShapeLine>();
  private readonly order = new IndexedMinHeap<ShapeLine>();
  private readonly floor = new RequestFloor();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Distinct request shapes waiting. */
  get shapeCount(): number {
    return this.lines.size;
  }

  head(): ParkedTask | null {
    return this.order.peek()?.peek() ?? null;
  }

  hasLineFor(shapeKey: string): boolean {
    return this.lines.has(shapeKey);
  }

  /** The shape object of the line `shape` would join, if there is one: tasks in a line share it (less memory). */
  sharedShape(shape: RequestShape): RequestShape {
    return this.lines.get(shape.key)?.shape ?? shape;
  }

  park(task: ParkedTask): void {
    let line = this.lines.get(task.shape.key);
    if (line === undefined) {
      line = new ShapeLine(task.shape);
      this.lines.set(task.shape.key, line);
      this.floor.include(task.shape);
    }
    const wasEmpty = line.isEmpty;
    line.append(task);
    this.count += 1;
    if (wasEmpty) this.order.push(line);
  }

  /** Takes `task` out of the queue; a task that already left is ignored. */
  remove(task: ParkedTask): void {
    const line = task.line;
    if (line === null) return;
    const wasFirst = line.peek() === task;
    line.remove(task);
    this.count -= 1;
    // A line is out of the heap (index -1) while a wake-up holds it; the wake-up puts it back.
    const inHeap = line.heapIndex >= 0;
    if (line.isEmpty) {
      if (inHeap) this.order.remove(line);
      this.lines.delete(line.shape.key);
      this.floor.shapeGone(this.lines);
    } else if (wasFirst && inHeap) {
      this.order.reposition(line.heapIndex);
    }
  }

  /** Empties the queue, returning the tasks in arrival order. */
  removeAll(): ParkedTask[] {
    const tasks = [...this.lines.values()].flatMap((line) => line.tasks());
    for (const task of tasks) this.remove(task);
    return tasks.sort((a, b) => a.sequence - b.sequence);
  }

  /**
   * Starts, earliest-queued first, every task that fits in `budget` (what is spare beyond the head's earmark),
   * looking at most `depth` distinct shapes deep (counting the shapes that do not fit) in queue order.
   */
  backfill(depth: number, budget: Budget, start: (task: ParkedTask) => void): void {
    // Not even the smallest waiting request, dimension by dimension, fits: no line can.
    if (!budget.fits(this.floor)) return;
    if (this.lines.size <= depth) this.backfillFromAllLines(budget, start);
    else this.backfillInQueueOrder(depth, budget, start);
  }

  /**
   * Every line is within the depth, so the order of the lines only matters among those that fit: one cheap pass
   * (no heap work) finds them, usually none or a few. Cost O(shapes + fitting lines * started tasks).
   */
  private backfillFromAllLines(budget: Budget, start: (task: ParkedTask) => void): void {
    let fitting: ShapeLine[] = [];
    for (const line of this.lines.values()) if (budget.fits(line.shape)) fitting.push(line);
    while (fitting.length > 0) {
      fitting = fitting.filter((line) => !line.isEmpty && budget.fits(line.shape));
      const earliest = fitting.reduce<ShapeLine | null>(
        (best, line) => (best === null || line.heapKey < best.heapKey ? line : best),
        null,
      );
      const task = earliest?.peek();
      if (task == null) return;
      this.startFrom(task, budget, start);
    }
  }

  /**
   * Thousands of distinct shapes: visit lines in queue order via the heap and stop after `depth` that do not fit.
   * Cost O((depth + started tasks) * log shapes), however long the queue.
   */
  private backfillInQueueOrder(depth: number, budget: Budget, start: (task: ParkedTask) => void): void {
    const passedOver: ShapeLine[] = [];
    while (passedOver.length < depth && budget.hasSlot) {
      const line = this.order.pop();
      const task = line?.peek();
      if (line === undefined || task == null) break;
      if (budget.fits(line.shape)) {
        this.startFrom(task, budget, start);
        // Its next task arrived later: back in the heap, it is visited again in its turn.
        if (!line.isEmpty) this.order.push(line);
      } else {
        passedOver.push(line);
      }
    }
    for (const line of passedOver) this.order.push(line);
  }

  private startFrom(task: ParkedTask, budget: Budget, start: (task: ParkedTask) => void): void {
    this.remove(task);
    budget.take(task.shape);
    start(task);
  }
}
