import Dockerode from 'dockerode';
import { LostContainers } from './lost-containers';

describe('LostContainers', () => {
  it('never takes an empty label set, which would select every container on the daemon', () => {
    const lost = new LostContainers(new Dockerode({ socketPath: '/nonexistent/engine.sock' }));
    lost.removeWhenBack('attempt-1', {});
    expect(lost.size).toBe(0);
  });

  it('keeps an attempt to remove while the daemon cannot be reached', () => {
    const lost = new LostContainers(new Dockerode({ socketPath: '/nonexistent/engine.sock' }));
    lost.removeWhenBack('attempt-1', { 'io.capstan.unique-name': 'attempt-1' });
    lost.removeWhenBack('attempt-1', { 'io.capstan.unique-name': 'attempt-1' });
    expect(lost.size).toBe(1);
  });
});
