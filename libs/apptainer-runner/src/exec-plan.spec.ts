import { type ExecutionRequest, parseTask, planDiskFolders, resolveConstraints } from '@capstan/core-constraints';
import { buildExecPlan, mount } from './exec-plan';
import { missingCapabilities } from './privileges';

const capacity = { total: { cpu: 4, memory: 8 * 1024 ** 3, gpu: 2 }, perTaskMax: { cpu: 4, memory: 8 * 1024 ** 3, gpu: 2 }, fpga: 0, containerKinds: ['docker', 'library', 'oras', 'sif'] as const };

function request(extra: { requirements?: Record<string, unknown>; env?: Record<string, string>; inputs?: ExecutionRequest['inputs'] } = {}): ExecutionRequest {
  const task = parseTask({ name: 't', command: 'true', requirements: { container: '/images/x.sif', ...extra.requirements } });
  const { constraints } = resolveConstraints(task.requirements, task.hints, capacity, { backendName: 'apptainer' });
  return {
    runId: 'r',
    taskName: 't',
    attemptName: 't-1',
    attempt: 1,
    shell: 'bash',
    paths: { root: '/runs/t/attempts/1', commandFile: '/runs/t/attempts/1/command', workDir: '/runs/t/attempts/1/work', stdoutFile: '/runs/t/attempts/1/stdout', stderrFile: '/runs/t/attempts/1/stderr' },
    inputs: extra.inputs ?? [],
    env: extra.env ?? {},
    constraints,
    labels: {},
  };
}

const options = { network: 'host' as const, noPrivs: true, dropCaps: [], extraArgs: [] };
const asUser = { root: false, missingCapabilities: [] };

describe('the apptainer exec command line', () => {
  it('contains and cleans the container, binds the Docker layout and runs the command file with the shell', () => {
    const plan = buildExecPlan({
      request: request({ inputs: [{ hostPath: '/data/r.fq', guestPath: '/mnt/task/inputs/r.fq', type: 'file' }] }),
      image: '/cache/x.sif',
      options,
      flavour: 'apptainer',
      privileges: asUser,
      disks: [{ mountPoint: '/mnt/scratch', hostPath: '/runs/t/attempts/1/disks/mnt_scratch' }],
    });
    expect(plan.args).toEqual([
      '-q', 'exec', '--containall', '--cleanenv', '--pwd', '/mnt/task/work',
      '--mount', 'type=bind,src=/runs/t/attempts/1/work,dst=/mnt/task/work',
      '--mount', 'type=bind,src=/runs/t/attempts/1/command,dst=/mnt/task/command,ro',
      '--mount', 'type=bind,src=/data/r.fq,dst=/mnt/task/inputs/r.fq,ro',
      '--mount', 'type=bind,src=/runs/t/attempts/1/disks/mnt_scratch,dst=/mnt/scratch',
      '/cache/x.sif', 'bash', '/mnt/task/command',
    ]);
    expect(plan.env).toEqual({});
  });

  it('as root: --no-privs, or --drop-caps with what this process lacks plus the configured ones', () => {
    const root = { root: true, missingCapabilities: ['CAP_SYS_RESOURCE'] };
    expect(buildExecPlan({ request: request(), image: 'x.sif', options, flavour: 'apptainer', privileges: root, disks: [] }).args.slice(0, 4)).toEqual(['-q', 'exec', '--no-privs', '--containall']);
    const dropping = buildExecPlan({ request: request(), image: 'x.sif', options: { ...options, noPrivs: false, dropCaps: ['CAP_NET_RAW'] }, flavour: 'apptainer', privileges: root, disks: [] });
    expect(dropping.args.slice(0, 5)).toEqual(['-q', 'exec', '--drop-caps', 'CAP_NET_RAW,CAP_SYS_RESOURCE', '--containall']);
    const full = buildExecPlan({ request: request(), image: 'x.sif', options: { ...options, noPrivs: false }, flavour: 'apptainer', privileges: { root: true, missingCapabilities: [] }, disks: [] });
    expect(full.args.slice(0, 3)).toEqual(['-q', 'exec', '--containall']);
  });

  it('isolates the network, asks for GPUs with --nv, and puts the extra arguments before the image', () => {
    const plan = buildExecPlan({ request: request({ requirements: { gpu: true } }), image: 'x.sif', options: { ...options, network: 'none', extraArgs: ['--writable-tmpfs'] }, flavour: 'apptainer', privileges: asUser, disks: [] });
    expect(plan.args.join(' ')).toContain('--cleanenv --net --network none --nv --pwd /mnt/task/work');
    expect(plan.args.slice(-5)).toEqual(['type=bind,src=/runs/t/attempts/1/command,dst=/mnt/task/command,ro', '--writable-tmpfs', 'x.sif', 'bash', '/mnt/task/command']);
  });

  it("passes variables in the flavour's own way, escaped, never on the command line", () => {
    const env = { A: 'plain', B: 'a $HOME `x` \\' };
    expect(buildExecPlan({ request: request({ env }), image: 'x.sif', options, flavour: 'apptainer', privileges: asUser, disks: [] }).env).toEqual({ APPTAINERENV_A: 'plain', APPTAINERENV_B: 'a \\$HOME \\`x\\` \\\\' });
    const singularity = buildExecPlan({ request: request({ env }), image: 'x.sif', options, flavour: 'singularity', privileges: asUser, disks: [] });
    expect(Object.keys(singularity.env)).toEqual(['SINGULARITYENV_A', 'SINGULARITYENV_B']);
    expect(singularity.args.join(' ')).not.toContain('plain');
    expect(() => buildExecPlan({ request: request({ env: { 'BAD-NAME': 'x' } }), image: 'x.sif', options, flavour: 'apptainer', privileges: asUser, disks: [] })).toThrow(/"BAD-NAME" is not a variable name/);
  });

  it('CSV-quotes mount fields holding commas or quotes, and refuses line breaks', () => {
    expect(mount('/a,b/c "d"', '/x y', true)).toBe('type=bind,"src=/a,b/c ""d""",dst=/x y,ro');
    expect(() => mount('/a\nb', '/x', false)).toThrow(/line break/);
  });

  it('places extra disks in folders of the attempt named after their mount points', () => {
    expect(planDiskFolders('/a', { '/': 1, '/mnt/scratch': 2, '/mnt scratch': 3 })).toEqual([
      { mountPoint: '/mnt/scratch', hostPath: '/a/disks/mnt_scratch' },
      { mountPoint: '/mnt scratch', hostPath: '/a/disks/mnt_scratch-2' },
    ]);
  });
});

describe('missing capabilities', () => {
  it("names what root's permitted set lacks (CAP_SYS_RESOURCE in this sandbox)", () => {
    expect(missingCapabilities('Name:\tx\nCapPrm:\t000001fffeffffff\n', 40)).toEqual(['CAP_SYS_RESOURCE']);
    expect(missingCapabilities('CapPrm:\t000001ffffffffff\n', 40)).toEqual([]);
    expect(missingCapabilities('CapPrm:\t000000ffffffffff\n', 39)).toEqual([]);
    expect(missingCapabilities('CapPrm:\t0000000000000000\n', 40)).toHaveLength(41);
  });
});
