import { ImagePuller, type ImagePullClient } from './image-puller';
import { type PullBytes, type PullMessage } from './pull-progress';

/** A pull that the test finishes by hand. */
function controllablePulls(): { client: ImagePullClient; calls: string[]; progress: (message: PullMessage) => void; finish: (error?: Error) => void } {
  const calls: string[] = [];
  let onMessage: (message: PullMessage) => void = () => undefined;
  let settle: (error?: Error) => void = () => undefined;
  const client: ImagePullClient = {
    pullImage: (reference, _auth, listener) => {
      calls.push(reference);
      onMessage = listener ?? onMessage;
      return new Promise<void>((resolve, reject) => {
        settle = (error) => (error === undefined ? resolve() : reject(error));
      });
    },
  };
  return { client, calls, progress: (message) => onMessage(message), finish: (error) => settle(error) };
}

const noCredentials = { forImage: () => undefined };

describe('ImagePuller', () => {
  it('shares one pull between concurrent requests for the same image, and tells each the progress', async () => {
    const fake = controllablePulls();
    const puller = new ImagePuller(fake.client, noCredentials, 0);
    const heard: PullBytes[][] = [[], []];
    const first = puller.pull('r/x:1', (bytes) => heard[0]?.push(bytes));
    const second = puller.pull('r/x:1', (bytes) => heard[1]?.push(bytes));
    expect(fake.calls).toEqual(['r/x:1']);
    expect(puller.pulling).toEqual(['r/x:1']);
    fake.progress({ status: 'Downloading', id: 'l', progressDetail: { current: 5, total: 10 } });
    fake.finish();
    await Promise.all([first, second]);
    for (const list of heard) expect(list).toEqual([{ bytesDone: 5, bytesTotal: 10 }, { bytesDone: 5, bytesTotal: 10 }]);
    expect(puller.pulling).toEqual([]);
    const third = puller.pull('r/x:1');
    expect(fake.calls).toEqual(['r/x:1', 'r/x:1']);
    fake.finish();
    await third;
  });

  it('gives every waiter the failure, and forgets it so the next request pulls again', async () => {
    const fake = controllablePulls();
    const puller = new ImagePuller(fake.client, noCredentials);
    const both = Promise.allSettled([puller.pull('r/x:1'), puller.pull('r/x:1')]);
    fake.finish(new Error('manifest unknown'));
    expect((await both).map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(puller.pulling).toEqual([]);
  });

  it('lets a canceled waiter leave without stopping the pull for the others', async () => {
    const fake = controllablePulls();
    const puller = new ImagePuller(fake.client, noCredentials);
    const controller = new AbortController();
    const leaving = puller.pull('r/x:1', undefined, controller.signal);
    const staying = puller.pull('r/x:1');
    controller.abort();
    await expect(leaving).rejects.toMatchObject({ code: 'run.canceled' });
    fake.finish();
    await expect(staying).resolves.toBeUndefined();
    expect(fake.calls).toHaveLength(1);
  });
});
