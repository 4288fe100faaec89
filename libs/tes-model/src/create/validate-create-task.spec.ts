import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import fc from 'fast-check';
import { captureCapstanError } from '../testing/capture-capstan-error';
import { acceptCreateTask } from './accept-create-task';
import { createStoredTask, storedTesTaskSchema } from './stored-task';
import { validateCreateTask } from './validate-create-task';

function taskError(body: unknown): CapstanError {
  return captureCapstanError(() => validateCreateTask(body));
}

const executor = { image: 'ubuntu:20.04', command: ['echo', 'hello'] };
const minimal = { executors: [executor] };
const withExecutor = (fields: Record<string, unknown>) => ({ executors: [{ ...executor, ...fields }] });
const withInputs = (...inputs: unknown[]) => ({ ...minimal, inputs });
const withOutputs = (...outputs: unknown[]) => ({ ...minimal, outputs });
const withResources = (resources: unknown) => ({ ...minimal, resources });
const input = { url: 's3://bucket/file1', path: '/data/file1' };
const output = { url: 's3://bucket/out', path: '/data/out' };

describe('validateCreateTask', () => {
  it('accepts a minimal task and fills the defaults', () => {
    expect(validateCreateTask(minimal)).toEqual({ inputs: [], outputs: [], executors: [executor], volumes: [], tags: {} });
  });

  it('keeps every field of a full task and fills file types', () => {
    const body = {
      name: 'md5',
      description: 'checksum a file',
      inputs: [
        { name: 'in', description: 'the data', url: 's3://bucket/file1', path: '/data/file1', type: 'FILE', streamable: true },
        { path: '/data/config', content: 'threads=4' },
        { url: 'gs://bucket/dir', path: '/data/dir', type: 'DIRECTORY' },
      ],
      outputs: [
        { name: 'sum', description: 'the sum', url: 's3://bucket/sum', path: '/data/sum' },
        { url: 's3://bucket/logs/', path: '/data/logs/*.log', path_prefix: '/data/logs/', type: 'DIRECTORY' },
      ],
      resources: { cpu_cores: 4, preemptible: false, ram_gb: 8, disk_gb: 40.5, zones: ['us-west-1'], backend_parameters: { VmSize: 'Standard_D64_v3' }, backend_parameters_strict: true },
      executors: [
        { image: 'alpine:3', command: ['/bin/md5', '/data/file1'], workdir: '/data/', stdin: '/data/file1', stdout: '/tmp/stdout.log', stderr: '/tmp/stderr.log', env: { BLASTDB: '/data/GRC38' }, ignore_error: true },
        executor,
      ],
      volumes: ['/vol/A/'],
      tags: { WORKFLOW_ID: 'cwl-01234', EMPTY: '' },
    };
    const task = validateCreateTask(body);
    expect(task).toEqual({
      ...body,
      inputs: [body.inputs[0], { ...body.inputs[1], type: 'FILE' }, body.inputs[2]],
      outputs: [{ ...body.outputs[0], type: 'FILE' }, body.outputs[1]],
    });
  });

  it('does not change the body it was given', () => {
    const body = withInputs({ ...input });
    const copy = structuredClone(body);
    validateCreateTask(body);
    expect(body).toEqual(copy);
  });

  describe('ignores', () => {
    it('the read-only fields id, state, logs and creation_time', () => {
      const task = validateCreateTask({ ...minimal, id: 'mine', state: 'COMPLETE', logs: 'whatever', creation_time: 7 });
      expect(task).toEqual(validateCreateTask(minimal));
      expect(task).not.toHaveProperty('id');
      expect(task).not.toHaveProperty('state');
    });

    it('fields TES v1.1 does not define, at every level', () => {
      const task = validateCreateTask({
        ...minimal,
        executors: [{ ...executor, ports: [{ container: 80 }] }],
        inputs: [{ ...input, checksum: 'x' }],
        outputs: [{ ...output, size: 1 }],
        resources: { cpu_cores: 1, gpu: 1 },
        priority: 'high',
      });
      expect(task.executors[0]).toEqual(executor);
      expect(task.inputs[0]).not.toHaveProperty('checksum');
      expect(task.outputs[0]).not.toHaveProperty('size');
      expect(task.resources).toEqual({ cpu_cores: 1, backend_parameters_strict: false });
      expect(task).not.toHaveProperty('priority');
    });

    it('null for optional fields', () => {
      const task = validateCreateTask({
        name: null,
        inputs: null,
        resources: { cpu_cores: null, zones: null, backend_parameters_strict: null },
        executors: [{ ...executor, workdir: null, env: null, ignore_error: null }],
        tags: null,
      });
      expect(task).toEqual({ inputs: [], outputs: [], resources: { backend_parameters_strict: false }, executors: [executor], volumes: [], tags: {} });
    });

    it('empty executor paths, which protobuf JSON means as "not set"', () => {
      const task = validateCreateTask(withExecutor({ workdir: '', stdin: '', stdout: '', stderr: '' }));
      expect(task.executors[0]).toEqual(executor);
    });
  });

  it('takes both url and content, since content wins (and an empty content leaves the url in charge)', () => {
    const task = validateCreateTask(withInputs({ ...input, content: 'text' }, { url: 's3://b/x', path: '/x', content: '' }));
    expect(task.inputs).toEqual([
      { ...input, content: 'text', type: 'FILE' },
      { url: 's3://b/x', path: '/x', content: '', type: 'FILE' },
    ]);
  });

  it('takes a single zone string as a list of one (the spec\'s own example is a string)', () => {
    expect(validateCreateTask(withResources({ zones: 'us-west-1' })).resources?.zones).toEqual(['us-west-1']);
  });

  it('keeps empty tag values and wildcard path_prefix as given', () => {
    const task = validateCreateTask({ ...withOutputs({ ...output, path: '/data/out?.txt', path_prefix: '/data/out' }), tags: { k: '' } });
    expect(task.tags).toEqual({ k: '' });
    expect(task.outputs[0]?.path_prefix).toBe('/data/out');
  });

  it('ignores path_prefix on an output without wildcards', () => {
    expect(validateCreateTask(withOutputs({ ...output, path_prefix: '/elsewhere' })).outputs[0]?.path_prefix).toBe('/elsewhere');
  });

  it.each<[string, unknown, string | null, string]>([
    // The body.
    ['a list', [], null, 'the task is [], not a JSON object; send a tesTask document such as {"executors": [{"image": "ubuntu:20.04", "command": ["echo", "hello"]}]}'],
    ['null', null, null, 'the task is null, not a JSON object'],
    ['a string', 'task', null, 'the task is "task", not a JSON object'],
    ['a number', 42, null, 'the task is 42, not a JSON object'],
    // Executors.
    ['no executors', {}, 'executors', 'executors is missing; a task needs at least one executor, e.g. [{"image": "ubuntu:20.04", "command": ["echo", "hello"]}]'],
    ['empty executors', { executors: [] }, 'executors', 'executors is an empty list; a task needs at least one executor'],
    ['executors not a list', { executors: executor }, 'executors', 'executors is {"image":"ubuntu:20.04","command":["echo","hello"]}, not a list'],
    ['an executor not an object', { executors: ['ubuntu'] }, 'executors.0', 'executors.0 is "ubuntu", not a JSON object'],
    ['no image', { executors: [{ command: ['ls'] }] }, 'executors.0.image', 'executors.0.image is missing; name the container image to run, e.g. "ubuntu:20.04"'],
    ['an empty image', withExecutor({ image: '' }), 'executors.0.image', 'executors.0.image is ""; name the container image to run'],
    ['a blank image', withExecutor({ image: '  ' }), 'executors.0.image', 'executors.0.image is "  "; name the container image'],
    ['an image not a string', withExecutor({ image: 3 }), 'executors.0.image', 'executors.0.image is 3, not a string; write it as a string: "3"'],
    ['no command', { executors: [{ image: 'alpine' }] }, 'executors.0.command', 'executors.0.command is missing; give the program and its arguments (argv), e.g. ["/bin/md5", "/data/file1"]'],
    ['an empty command', withExecutor({ command: [] }), 'executors.0.command', 'executors.0.command is an empty list; give the program and its arguments (argv)'],
    ['a command string', withExecutor({ command: 'echo hi' }), 'executors.0.command', 'executors.0.command is "echo hi", a string, not a list; give the program and its arguments (argv) as a list, e.g. ["/bin/sh","-c","echo hi"]'],
    ['a non-string argument', withExecutor({ command: ['sleep', 10] }), 'executors.0.command.1', 'executors.0.command.1 is 10, not a string; write it as a string: "10"'],
    ['a null argument', withExecutor({ command: ['echo', null] }), 'executors.0.command.1', 'executors.0.command.1 is null, not a string'],
    ['an empty program', withExecutor({ command: ['', 'x'] }), 'executors.0.command.0', 'executors.0.command.0 is empty; the first element of command is the program to run'],
    ['a relative workdir', withExecutor({ workdir: 'data' }), 'executors.0.workdir', 'executors.0.workdir is "data", a relative path; paths in the container are absolute (start with "/"), e.g. "/data"'],
    ['a relative stdin', withExecutor({ stdin: './in.txt' }), 'executors.0.stdin', 'executors.0.stdin is "./in.txt", a relative path; paths in the container are absolute (start with "/"), e.g. "/in.txt"'],
    ['a relative stdout', withExecutor({ stdout: 'out.log' }), 'executors.0.stdout', 'executors.0.stdout is "out.log", a relative path'],
    ['a relative stderr', withExecutor({ stderr: 'err.log' }), 'executors.0.stderr', 'executors.0.stderr is "err.log", a relative path'],
    ['env not an object', withExecutor({ env: ['A=1'] }), 'executors.0.env', 'executors.0.env is ["A=1"], not a JSON object'],
    ['an env value not a string', withExecutor({ env: { THREADS: 4 } }), 'executors.0.env.THREADS', 'executors.0.env.THREADS is 4, not a string; write it as a string: "4"'],
    ['an empty env name', withExecutor({ env: { '': 'x' } }), 'executors.0.env', 'executors.0.env has an empty variable name (with the value "x"); give every variable a name'],
    ['an env name with =', withExecutor({ env: { 'A=B': 'x' } }), 'executors.0.env', 'executors.0.env has the variable name "A=B", which holds "=" and cannot be set'],
    ['ignore_error not a boolean', withExecutor({ ignore_error: 'true' }), 'executors.0.ignore_error', 'executors.0.ignore_error is "true", not true or false; write it without quotes: true'],
    ['the second executor', { executors: [executor, { image: 'alpine', command: [] }] }, 'executors.1.command', 'executors.1.command is an empty list'],
    // Inputs.
    ['inputs not a list', { ...minimal, inputs: input }, 'inputs', 'inputs is {"url":"s3://bucket/file1","path":"/data/file1"}, not a list'],
    ['an input without path', withInputs({ url: 's3://b/x' }), 'inputs.0.path', 'inputs.0.path is missing; give the absolute path in the container where the input goes, e.g. "/data/file1"'],
    ['a relative input path', withInputs(input, { url: 's3://b/x', path: 'data/x' }), 'inputs.1.path', 'inputs.1.path is "data/x", a relative path; paths in the container are absolute (start with "/"), e.g. "/data/x"'],
    ['an empty input path', withInputs({ ...input, path: '' }), 'inputs.0.path', 'inputs.0.path is empty; give an absolute path in the container, e.g. "/data/file1"'],
    ['neither url nor content', withInputs({ path: '/data/x' }), 'inputs.0.url', 'inputs.0.url is missing and there is no content either; give the url to download the input from (e.g. "s3://my-object-store/file1"), or its content'],
    ['an empty url and content', withInputs({ path: '/data/x', url: '', content: '' }), 'inputs.0.url', 'inputs.0.url is empty and there is no content either'],
    ['content for a directory', withInputs({ path: '/data/x', content: 'a', type: 'DIRECTORY' }), 'inputs.0.type', 'inputs.0.type is "DIRECTORY", but content makes a single file; set type to "FILE", or give a url instead of content'],
    ['an unknown file type', withInputs({ ...input, type: 'file' }), 'inputs.0.type', 'inputs.0.type is "file", not one of "FILE", "DIRECTORY"'],
    ['streamable not a boolean', withInputs({ ...input, streamable: 1 }), 'inputs.0.streamable', 'inputs.0.streamable is 1, not true or false'],
    ['two inputs at one path', withInputs(input, { url: 's3://b/other', path: '/data//file1/' }), 'inputs.1.path', 'inputs.1.path is "/data//file1/", the same path as inputs.0; give each input its own path'],
    // Outputs.
    ['an output without url', withOutputs({ path: '/data/out' }), 'outputs.0.url', 'outputs.0.url is missing; give the URL to upload the output to, e.g. "s3://my-object-store/outfile"'],
    ['an output with an empty url', withOutputs({ ...output, url: '' }), 'outputs.0.url', 'outputs.0.url is ""; give the URL to upload the output to'],
    ['an output without path', withOutputs({ url: 's3://b/o' }), 'outputs.0.path', 'outputs.0.path is missing; give the absolute path of the output in the container, e.g. "/data/outfile"'],
    ['a relative output path', withOutputs({ ...output, path: 'out.txt' }), 'outputs.0.path', 'outputs.0.path is "out.txt", a relative path'],
    ['wildcards without path_prefix', withOutputs({ ...output, path: '/data/*.txt' }), 'outputs.0.path_prefix', 'outputs.0.path_prefix is missing, but path "/data/*.txt" has wildcards; give path_prefix, the leading part of path removed from each match before it is appended to url, e.g. "/data/"'],
    ['wildcards with an empty path_prefix', withOutputs({ ...output, path: '/data/out?.txt', path_prefix: '' }), 'outputs.0.path_prefix', 'outputs.0.path_prefix is empty, but path "/data/out?.txt" has wildcards'],
    ['a path_prefix that is not a prefix', withOutputs({ ...output, path: '/data/[ab].txt', path_prefix: '/tmp/' }), 'outputs.0.path_prefix', 'outputs.0.path_prefix is "/tmp/", which is not a prefix of path "/data/[ab].txt" before its first wildcard; give a leading part of the path, e.g. "/data/"'],
    ['a path_prefix reaching past the first wildcard', withOutputs({ ...output, path: '/data/*/x.txt', path_prefix: '/data/*/' }), 'outputs.0.path_prefix', 'outputs.0.path_prefix is "/data/*/", which is not a prefix of path'],
    // Resources.
    ['resources not an object', withResources(4), 'resources', 'resources is 4, not a JSON object'],
    ['zero cpu_cores', withResources({ cpu_cores: 0 }), 'resources.cpu_cores', 'resources.cpu_cores is 0; ask for more than 0 cores (e.g. 4), or leave it out to let the server choose'],
    ['negative cpu_cores', withResources({ cpu_cores: -2 }), 'resources.cpu_cores', 'resources.cpu_cores is -2; ask for more than 0 cores'],
    ['fractional cpu_cores', withResources({ cpu_cores: 1.5 }), 'resources.cpu_cores', 'resources.cpu_cores is 1.5, not a whole number'],
    ['cpu_cores beyond int32', withResources({ cpu_cores: 2 ** 31 }), 'resources.cpu_cores', 'resources.cpu_cores is 2147483648, above the maximum of 2147483647'],
    ['cpu_cores as a string', withResources({ cpu_cores: '4' }), 'resources.cpu_cores', 'resources.cpu_cores is "4", not a number; write it as a number, without quotes: 4'],
    ['zero ram_gb', withResources({ ram_gb: 0 }), 'resources.ram_gb', 'resources.ram_gb is 0; ask for more than 0 GB of memory (e.g. 8), or leave it out'],
    ['negative disk_gb', withResources({ disk_gb: -1.5 }), 'resources.disk_gb', 'resources.disk_gb is -1.5; ask for more than 0 GB of disk (e.g. 40)'],
    ['ram_gb as a string', withResources({ ram_gb: '8 GB' }), 'resources.ram_gb', 'resources.ram_gb is "8 GB", not a number'],
    ['a zone not a string', withResources({ zones: ['eu', 1] }), 'resources.zones.1', 'resources.zones.1 is 1, not a string'],
    ['preemptible not a boolean', withResources({ preemptible: 'no' }), 'resources.preemptible', 'resources.preemptible is "no", not true or false'],
    ['a backend parameter value not a string', withResources({ backend_parameters: { VmSize: 64 } }), 'resources.backend_parameters.VmSize', 'resources.backend_parameters.VmSize is 64, not a string; write it as a string: "64"'],
    ['backend_parameters not an object', withResources({ backend_parameters: 'VmSize=x' }), 'resources.backend_parameters', 'resources.backend_parameters is "VmSize=x", not a JSON object'],
    ['backend_parameters_strict not a boolean', withResources({ backend_parameters_strict: 'yes' }), 'resources.backend_parameters_strict', 'is "yes", not true or false'],
    // Volumes, tags, name.
    ['a relative volume', { ...minimal, volumes: ['/vol/A', 'vol/B'] }, 'volumes.1', 'volumes.1 is "vol/B", a relative path; paths in the container are absolute (start with "/"), e.g. "/vol/B"'],
    ['volumes not a list', { ...minimal, volumes: '/vol/A' }, 'volumes', 'volumes is "/vol/A", not a list'],
    ['an empty tag key', { ...minimal, tags: { '': 'x' } }, 'tags', 'tags has an empty key (with the value "x"); give every tag a name'],
    ['a tag value not a string', { ...minimal, tags: { RUN: 1 } }, 'tags.RUN', 'tags.RUN is 1, not a string; write it as a string: "1"'],
    ['a __proto__ tag', { ...minimal, tags: JSON.parse('{"__proto__": "x"}') as unknown }, 'tags', 'tags has the key "__proto__", which cannot be stored; rename it'],
    ['a name not a string', { ...minimal, name: ['a'] }, 'name', 'name is ["a"], not a string'],
  ])('refuses %s', (_case, body, path, message) => {
    const error = taskError(body);
    expect(error.code).toBe(ErrorCode.TesInvalidTask);
    expect(error.path).toBe(path);
    expect(error.message).toContain(message);
  });

  it('reports the value it refused in the details', () => {
    expect(taskError(withInputs({ url: 's3://b/x', path: 'x' })).details).toEqual({ value: 'x' });
  });

  describe('for arbitrary JSON', () => {
    const isCapstanErrorOrTask = (body: unknown): void => {
      try {
        const task = validateCreateTask(body);
        expect(task.executors.length).toBeGreaterThan(0);
        // What the server stores without parsing again (TesTaskStore.insertCreated) is exactly what the stored
        // schema would make of it: the second parse it skips could change nothing, key order included.
        const stored = createStoredTask(acceptCreateTask(body, { supportedBackendParameters: ['backend'] }).task, { id: '01TASK', now: new Date(0) });
        expect(JSON.stringify(storedTesTaskSchema.parse(stored))).toBe(JSON.stringify(stored));
      } catch (error) {
        expect(error).toBeInstanceOf(CapstanError);
        expect((error as CapstanError).code).toBe(ErrorCode.TesInvalidTask);
      }
    };

    it('throws nothing but CapstanError', () => {
      fc.assert(fc.property(fc.jsonValue(), isCapstanErrorOrTask), { numRuns: 500 });
    });

    it('throws nothing but CapstanError for task-shaped documents', () => {
      const anything = fc.jsonValue({ maxDepth: 2 });
      const path = fc.oneof(fc.constantFrom('/data/x', 'data/x', '', '/d/*.txt', '/d/[a]', '/'), anything);
      const executorArb = fc.record(
        { image: fc.oneof(fc.constantFrom('alpine', '', ' '), anything), command: fc.oneof(fc.array(fc.oneof(fc.string(), anything)), anything), workdir: path, stdout: path, env: anything },
        { requiredKeys: [] },
      );
      const inputArb = fc.record({ url: fc.oneof(fc.constantFrom('s3://b/x', ''), anything), path, content: fc.oneof(fc.string(), anything), type: fc.oneof(fc.constantFrom('FILE', 'DIRECTORY'), anything) }, { requiredKeys: [] });
      const outputArb = fc.record({ url: fc.oneof(fc.constantFrom('s3://b/x', ''), anything), path, path_prefix: path, type: anything }, { requiredKeys: [] });
      const resourcesArb = fc.record(
        { cpu_cores: fc.oneof(fc.integer(), anything), ram_gb: fc.oneof(fc.double(), anything), zones: anything, backend_parameters: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), anything)), anything) },
        { requiredKeys: [] },
      );
      const taskArb = fc.record(
        {
          executors: fc.oneof(fc.array(executorArb, { maxLength: 3 }), anything),
          inputs: fc.oneof(fc.array(inputArb, { maxLength: 3 }), anything),
          outputs: fc.oneof(fc.array(outputArb, { maxLength: 3 }), anything),
          resources: fc.oneof(resourcesArb, anything),
          volumes: fc.oneof(fc.array(path), anything),
          tags: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), anything)), anything),
          state: anything,
          name: anything,
        },
        { requiredKeys: [] },
      );
      fc.assert(fc.property(taskArb, isCapstanErrorOrTask), { numRuns: 1000 });
    });
  });
});
