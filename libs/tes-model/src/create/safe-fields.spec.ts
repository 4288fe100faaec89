import { ErrorCode } from '@capstan/core-constraints';
import { captureCapstanError } from '../testing/capture-capstan-error';
import { validateCreateTask } from './validate-create-task';

const executor = { image: 'ubuntu:20.04', command: ['echo', 'hello'] };
const withExecutor = (fields: Record<string, unknown>) => ({ executors: [{ ...executor, ...fields }] });
const refusal = (body: unknown) => captureCapstanError(() => validateCreateTask(body), 'validateCreateTask');

describe('executor images by the Docker reference grammar', () => {
  it.each(['--privileged', 'busy box', 'UPPER/x', 'Ubuntu', '*', '/cache/x.sif', 'file:///x.sif', 'library://a/b', 'ubuntu:22.04 ; rm -rf /', ' ubuntu', 'a\0b', 'ubuntu:'])(
    'refuses %j naming executors.1.image and the value',
    (image) => {
      const error = refusal({ executors: [executor, { ...executor, image }] });
      expect(error.code).toBe(ErrorCode.TesInvalidTask);
      expect(error.path).toBe('executors.1.image');
      expect(error.message).toContain(`executors.1.image is ${JSON.stringify(image).slice(0, 40)}`);
      expect(error.message).toContain('not a Docker image reference; name an image as [registry[:port]/]path[:tag][@digest]');
    },
  );

  it.each(['ubuntu', 'ubuntu:22.04', 'docker://alpine:3', 'quay.io/biocontainers/samtools:1.17--h00cdaf9_0', '127.0.0.1:5000/capstan/busybox:1', 'localhost/x:1', `alpine@sha256:${'a'.repeat(64)}`])(
    'accepts %j',
    (image) => {
      expect(validateCreateTask(withExecutor({ image })).executors[0]?.image).toBe(image);
    },
  );
});

describe('paths, argv and env', () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['NUL in an argv element', withExecutor({ command: ['echo', 'a\0b'] }), 'executors.0.command.1', /NUL byte, and a program argument cannot/],
    ['NUL in an env value', withExecutor({ env: { A: 'x\0y' } }), 'executors.0.env.A', /NUL byte, and a variable value cannot/],
    ['NUL in an env name', withExecutor({ env: { 'A\0B': 'x' } }), 'executors.0.env', /NUL byte, and a variable name cannot/],
    ['NUL in an input path', { executors: [executor], inputs: [{ content: 'x', path: '/data/a\0b' }] }, 'inputs.0.path', /NUL byte, and a path cannot/],
    ['NUL in an input url', { executors: [executor], inputs: [{ url: 'http://a/b\0', path: '/data/a' }] }, 'inputs.0.url', /NUL byte, and a url cannot/],
    ['NUL in stdout', withExecutor({ stdout: '/out\0' }), 'executors.0.stdout', /NUL byte/],
    [': in an input path', { executors: [executor], inputs: [{ content: 'x', path: '/data/a:ro' }] }, 'inputs.0.path', /holds ":", which a container bind cannot take/],
    [': in an output path', { executors: [executor], outputs: [{ url: 's3://b/o', path: '/out:rw,z' }] }, 'outputs.0.path', /holds ":"/],
    [': in a volume', { executors: [executor], volumes: ['/vol:/host'] }, 'volumes.0', /holds ":"/],
    [': in workdir', withExecutor({ workdir: '/w:x' }), 'executors.0.workdir', /holds ":"/],
    [': in stderr', withExecutor({ stderr: '/logs/e:rr' }), 'executors.0.stderr', /holds ":"/],
    ['.. in a volume', { executors: [executor], volumes: ['/data/../../etc'] }, 'volumes.0', /"\.\." component/],
    ['.. in stdin', withExecutor({ stdin: '/data/../etc/shadow' }), 'executors.0.stdin', /"\.\." component/],
    ['.. in a wildcard output path', { executors: [executor], outputs: [{ url: 's3://b/', path: '/data/../*.txt', path_prefix: '/data/../' }] }, 'outputs.0.path', /"\.\." component/],
    ['a volume on /proc', { executors: [executor], volumes: ['/proc'] }, 'volumes.0', /under \/proc, a kernel filesystem/],
    ['an input under /sys', { executors: [executor], inputs: [{ content: 'x', path: '/sys/fs/cgroup/x' }] }, 'inputs.0.path', /under \/sys/],
    ['an output under /dev', { executors: [executor], outputs: [{ url: 's3://b/o', path: '/dev/sda' }] }, 'outputs.0.path', /under \/dev/],
    ['a volume that normalises to /dev', { executors: [executor], volumes: ['//dev/./'] }, 'volumes.0', /under \/dev/],
    ['a trailing space in an input path', { executors: [executor], inputs: [{ content: 'x', path: '/data/in/a ' }] }, 'inputs.0.path', /begins or ends with white space/],
    ['a trailing tab in a volume', { executors: [executor], volumes: ['/data\t'] }, 'volumes.0', /begins or ends with white space/],
    ['a trailing newline in an output path', { executors: [executor], outputs: [{ url: 's3://b/o', path: '/data/o\n' }] }, 'outputs.0.path', /begins or ends with white space/],
    ['a no-break space ending stdout', withExecutor({ stdout: '/logs/out\u00a0' }), 'executors.0.stdout', /begins or ends with white space/],
  ])('refuses %s', (_label, body, path, message) => {
    const error = refusal(body);
    expect(error.code).toBe(ErrorCode.TesInvalidTask);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it('leaves ordinary paths, a stdout under /dev inside the container, and names like /devices alone', () => {
    const task = validateCreateTask({
      executors: [{ ...executor, stdout: '/dev/null', workdir: '/data/run.1', env: { PATH: '/usr/bin:/bin' } }],
      inputs: [{ content: 'x', path: '/devices/a..b' }],
      volumes: ['/process', '/system'],
    });
    expect(task.volumes).toEqual(['/process', '/system']);
  });
});
