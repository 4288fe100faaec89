import { CapstanError } from '@capstan/core-constraints';
import { testRequest } from '@capstan/support/testing';
import { execFileSync } from 'node:child_process';
import { parseBatchBackendOptions } from './batch-backend-options';
import { commandLine } from '@capstan/process-kit';
import { PROFILES } from './profiles';
import { submitValues } from './submit-values';
import { renderTemplate } from './template';

function errorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('no error');
}

const input = { scriptPath: '/w/a/1/batch/job.sh', memoryBytes: 512 * 1024 ** 2, queue: 'all.q', envNames: ['PATH', 'CAPSTAN_LOGIN_1_USER'] };

describe('command templates', () => {
  it('renders the Grid Engine submit of a task: groups with values kept, those without left out', () => {
    const argv = renderTemplate(PROFILES.gridengine.submit, submitValues({ ...input, request: testRequest({ attemptName: 'hello-abc-a1', timeoutMs: 90_000 }) }), 'submit');
    expect(argv).toEqual([
      'qsub', '-terse', '-notify', '-S', '/bin/sh', '-N', 'hello-abc-a1', '-o', '/w/a/1/stdout', '-e', '/w/a/1/stderr', '-wd', '/w/a/1/work',
      '-pe', 'smp', '2', '-l', 'mem_free=512M', '-l', 'h_rt=0:02:30', '-q', 'all.q', '-v', 'PATH,CAPSTAN_LOGIN_1_USER', '/w/a/1/batch/job.sh',
    ]);
    const bare = renderTemplate(PROFILES.gridengine.submit, submitValues({ ...input, queue: undefined, envNames: [], memoryBytes: 0, request: testRequest() }), 'submit');
    expect(bare).not.toContain('-q');
    expect(bare.join(' ')).not.toMatch(/mem_free|h_rt|gpu=/);
  });

  it('expands {job_ids} to one word per job and {job_ids_csv} to one list', () => {
    expect(renderTemplate(PROFILES.gridengine.cancel, { job_ids: ['7', '8'] }, 'cancel')).toEqual(['qdel', '7', '8']);
    expect(renderTemplate(PROFILES.slurm.status, { job_ids_csv: '7,8' }, 'status')).toContain('--jobs=7,8');
  });

  it('refuses a hostile job name, memory or job id before any command runs, naming the placeholder and the value', () => {
    const hostileName = errorOf(() => renderTemplate(PROFILES.gridengine.submit, submitValues({ ...input, request: testRequest({ attemptName: 'x; touch /tmp/batch-pwned' }) }), 'submit'));
    expect(hostileName.message).toContain('"x; touch /tmp/batch-pwned" cannot be the {job_name} of the submit command');
    const optionName = errorOf(() => renderTemplate(PROFILES.gridengine.submit, submitValues({ ...input, request: testRequest({ attemptName: '-b' }) }), 'submit'));
    expect(optionName.message).toContain('{job_name}');
    expect(errorOf(() => submitValues({ ...input, memoryBytes: Number.NaN, request: testRequest() })).path).toBe('requirements.memory');
    expect(errorOf(() => renderTemplate(PROFILES.gridengine.cancel, { job_ids: ['1', '2 3'] }, 'cancel')).message).toContain('{job_ids}');
    expect(errorOf(() => renderTemplate(PROFILES.slurm.submit, { memory_mb: '1M --wrap=id' }, 'submit')).message).toContain('{memory_mb}');
    expect(errorOf(() => renderTemplate(PROFILES.gridengine.submit, { script: '/w/x\n-b y' }, 'submit')).message).toContain('{script}');
  });

  it('quotes every word for a shell (a remote runner): a real sh gets exactly the words, and runs none of them', () => {
    const argv = ['printf', '%s\\0', '$(touch /tmp/batch-runner-pwned)', "'; id #", 'a b', '`id`', '*'];
    const out = execFileSync('/bin/sh', ['-c', commandLine(argv)], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(argv.slice(2));
  });

  it('fails a template whose lone placeholder has no value, and refuses unknown placeholders in the config', () => {
    expect(errorOf(() => renderTemplate(['qsub', '{queue}'], {}, 'submit')).message).toContain('put it in a group');
    const unknown = errorOf(() => parseBatchBackendOptions({ commands: { submit: ['qsub', '{scrpt}'] } }));
    expect(unknown.path).toBe('batch.commands.submit');
    expect(unknown.message).toContain('{script}');
    const badPattern = errorOf(() => parseBatchBackendOptions({ commands: { jobIdPattern: '([0-9]+' } }));
    expect(badPattern.path).toBe('batch.commands.jobIdPattern');
    expect(errorOf(() => parseBatchBackendOptions({ queue: 'all.q; rm' })).message).toContain('"all.q; rm" is not a queue name');
    expect(errorOf(() => parseBatchBackendOptions({ profile: 'torque' })).path).toBe('batch.profile');
    expect(errorOf(() => parseBatchBackendOptions({ commands: { states: { r: 'finished' } } })).path).toMatch(/^batch\.commands\.states/);
  });
});
