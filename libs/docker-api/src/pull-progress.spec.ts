import { PullProgress, pullStreamError } from './pull-progress';

describe('PullProgress', () => {
  it('adds up the bytes downloaded per layer and ignores extraction', () => {
    const progress = new PullProgress();
    expect(progress.bytes).toEqual({ bytesDone: 0, bytesTotal: null });
    progress.add({ status: 'Pulling from capstan/busybox', id: '1' });
    progress.add({ status: 'Pulling fs layer', id: 'a', progressDetail: {} });
    progress.add({ status: 'Pulling fs layer', id: 'b', progressDetail: {} });
    progress.add({ status: 'Downloading', id: 'a', progressDetail: { current: 100, total: 1000 } });
    expect(progress.bytes).toEqual({ bytesDone: 100, bytesTotal: 1000 });
    progress.add({ status: 'Downloading', id: 'b', progressDetail: { current: 50, total: 500 } });
    progress.add({ status: 'Downloading', id: 'a', progressDetail: { current: 600, total: 1000 } });
    expect(progress.bytes).toEqual({ bytesDone: 650, bytesTotal: 1500 });
    progress.add({ status: 'Download complete', id: 'a' });
    progress.add({ status: 'Extracting', id: 'a', progressDetail: { current: 10, total: 1000 } });
    expect(progress.bytes).toEqual({ bytesDone: 1050, bytesTotal: 1500 });
    progress.add({ status: 'Already exists', id: 'c' });
    progress.add({ status: 'Pull complete', id: 'b' });
    expect(progress.bytes).toEqual({ bytesDone: 1500, bytesTotal: 1500 });
  });

  it('recognises errors in the stream', () => {
    expect(pullStreamError({ status: 'Downloading' })).toBeUndefined();
    expect(pullStreamError({ error: 'x', errorDetail: { message: 'manifest unknown ' } })).toBe('manifest unknown');
  });
});
