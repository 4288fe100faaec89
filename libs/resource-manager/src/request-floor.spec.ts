import { RequestFloor } from './request-floor';

const line = (cpuMilli: number, memory: number, gpu: number): { shape: { cpuMilli: number; memory: number; gpu: number } } => ({
  shape: { cpuMilli, memory, gpu },
});

describe('RequestFloor', () => {
  it('is the per-dimension minimum of the shapes included', () => {
    const floor = new RequestFloor();
    floor.include({ cpuMilli: 2000, memory: 10, gpu: 1 });
    floor.include({ cpuMilli: 500, memory: 40, gpu: 0 });
    expect({ ...floor }).toMatchObject({ cpuMilli: 500, memory: 10, gpu: 0 });
  });

  it('stays a valid (lower) bound when shapes leave, and tightens once more have left than wait', () => {
    const floor = new RequestFloor();
    const small = line(500, 10, 0);
    const large = line(4000, 90, 1);
    floor.include(small.shape);
    floor.include(large.shape);
    const waiting = new Map([['large', large]]);
    floor.shapeGone(waiting);
    expect(floor.cpuMilli).toBe(500);
    floor.shapeGone(waiting);
    expect({ ...floor }).toMatchObject({ cpuMilli: 4000, memory: 90, gpu: 1 });
  });

  it('is infinite, fitting nothing, once no shape waits', () => {
    const floor = new RequestFloor();
    floor.include({ cpuMilli: 1, memory: 1, gpu: 0 });
    floor.shapeGone(new Map());
    expect(floor.cpuMilli).toBe(Infinity);
  });
});
