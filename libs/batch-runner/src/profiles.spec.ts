import { jobIdIn, parseFinished, parseStatus, phaseOf, signIn } from './job-output';
import { PROFILES } from './profiles';

// Recorded command output in the formats the schedulers' documentation shows (LSF: bsub, bjobs -o / -l; PBS Pro and
// Torque: qsub, qstat -x / -f; HTCondor: condor_submit, condor_q -af:j, condor_history -af). These profiles were not
// run against a live LSF, PBS or HTCondor here; Grid Engine and Slurm also run for real in the conformance suite, and
// their samples are what this machine's qstat, qacct, squeue and sacct print.
describe('shipped profiles read their scheduler', () => {
  it('gridengine: qsub -terse, qstat, qacct', () => {
    const profile = PROFILES.gridengine;
    expect(jobIdIn('34\n', profile)).toBe('34');
    const qstat = [
      'job-ID  prior   name       user         state submit/start at     queue                          slots ja-task-ID ',
      '-----------------------------------------------------------------------------------------------------------------',
      '     34 0.55500 capstan-a1 root         r     12/07/2026 06:49:40 all.q@localhost                    1        ',
      '     35 0.00000 capstan-b1 root         qw    12/07/2026 06:49:41                                    1        ',
      '     36 0.55500 capstan-c1 root         Eqw   12/07/2026 06:49:41                                    1        ',
      '     37 0.55500 capstan-d1 root         dr    12/07/2026 06:49:41 all.q@localhost                    1        ',
    ].join('\n');
    const jobs = parseStatus(qstat, profile);
    expect([...jobs].map(([id, line]) => [id, phaseOf(line.state, profile)])).toEqual([['34', 'running'], ['35', 'queued'], ['36', 'failed'], ['37', 'running']]);
    const qacct = 'qname        all.q\njobnumber    34\nfailed       0    \nexit_status  3                   \nru_wallclock 0s\n';
    expect(parseFinished(qacct, profile)).toEqual({ state: '0', exit: 3 });
    expect(phaseOf('100', profile)).toBe('failed');
  });

  it('slurm: sbatch --parsable, squeue, sacct, and its memory and time signs', () => {
    const profile = PROFILES.slurm;
    expect(jobIdIn('4711\n', profile)).toBe('4711');
    expect(jobIdIn('4711;cluster\n', profile)).toBe('4711');
    const jobs = parseStatus('4711|RUNNING|\n4712|OUT_OF_MEMORY|\n4713|PENDING|\n', profile);
    expect(phaseOf(jobs.get('4711')?.state ?? '', profile)).toBe('running');
    expect(signIn(jobs.get('4712')?.state ?? '', profile)).toBe('oom');
    expect(parseFinished('4714|TIMEOUT|0:15\n', profile)).toEqual({ state: 'TIMEOUT', exit: 0 });
    expect(signIn('TIMEOUT', profile)).toBe('timeout');
  });

  it('lsf: bsub, bjobs -o "jobid stat exit_code", bjobs -l with TERM_ reasons', () => {
    const profile = PROFILES.lsf;
    expect(jobIdIn('Job <1234> is submitted to queue <normal>.\n', profile)).toBe('1234');
    const jobs = parseStatus('1234 RUN -\n1235 DONE -\n1236 EXIT 3\n1237 PEND -\n', profile);
    expect([...jobs].map(([id, line]) => [id, phaseOf(line.state, profile), line.exit])).toEqual([
      ['1234', 'running', undefined], ['1235', 'done', undefined], ['1236', 'failed', 3], ['1237', 'queued', undefined],
    ]);
    const long = [
      'Job <1238>, Job Name <capstan-x-a1>, User <alice>, Project <default>, Status <EXIT>, Queue <normal>, Command </home/alice/job.sh>',
      'Mon Dec  7 06:00:00: Submitted from host <login1>, CWD <$HOME>;',
      'Mon Dec  7 06:01:00: Exited with exit code 130. The CPU time used is 0.5 seconds.',
      'Mon Dec  7 06:01:00: Completed <exit>; TERM_MEMLIMIT: job killed after reaching LSF memory usage limit.',
    ].join('\n');
    expect(parseFinished(long, profile)).toEqual({ state: 'EXIT', exit: 130 });
    expect(signIn(long, profile)).toBe('oom');
    expect(signIn('Completed <exit>; TERM_RUNLIMIT: job killed after reaching LSF run time limit.', profile)).toBe('timeout');
  });

  it('pbs: qsub, qstat -x (PBS Pro F, Torque C), qstat -x -f with the walltime kill', () => {
    const profile = PROFILES.pbs;
    expect(jobIdIn('1234.pbs01\n', profile)).toBe('1234.pbs01');
    const qstat = [
      'Job id            Name             User              Time Use S Queue',
      '----------------  ---------------- ----------------  -------- - -----',
      '1234.pbs01        capstan-x-a1     alice             00:00:01 R workq',
      '1235.pbs01        capstan-y-a1     alice             00:00:00 F workq',
      '1236.torque       capstan-z-a1     alice             00:00:00 C batch',
      '1237.pbs01        capstan-w-a1     alice                    0 Q workq',
    ].join('\n');
    const jobs = parseStatus(qstat, profile);
    expect([...jobs].map(([id, line]) => [id, phaseOf(line.state, profile)])).toEqual([['1234.pbs01', 'running'], ['1235.pbs01', 'done'], ['1236.torque', 'done'], ['1237.pbs01', 'queued']]);
    const full = 'Job Id: 1238.pbs01\n    Job_Name = capstan-v-a1\n    job_state = F\n    Exit_status = 271\n    comment = job killed: walltime 65 exceeded limit 60\n';
    expect(parseFinished(full, profile)).toEqual({ state: 'F' });
    expect(signIn(full, profile)).toBe('timeout');
    expect(signIn('comment = job killed: mem 1048576kb exceeded limit 524288kb', profile)).toBe('oom');
    expect(parseFinished('    exit_status = 2\n    job_state = C\n', profile)).toEqual({ state: 'C', exit: 2 });
  });

  it('htcondor: condor_submit, condor_q -af:j JobStatus, condor_history -af', () => {
    const profile = PROFILES.htcondor;
    expect(jobIdIn('Submitting job(s).\n1 job(s) submitted to cluster 1234.\n', profile)).toBe('1234');
    const jobs = parseStatus('1234.0 2\n1235.0 1\n1236.0 5\n', profile);
    expect([...jobs].map(([id, line]) => [id, phaseOf(line.state, profile)])).toEqual([['1234', 'running'], ['1235', 'queued'], ['1236', 'queued']]);
    expect(parseFinished('4 0 undefined undefined\n', profile)).toEqual({ state: '4', exit: 0 });
    const held = '3 undefined "via condor_rm" "Job has gone over memory limit of 100 megabytes. Peak usage: 160 megabytes."\n';
    expect(parseFinished(held, profile)).toEqual({ state: '3' });
    expect(signIn(held, profile)).toBe('oom');
  });

  it('lists every unfinished job of the user with one list command, read with the status line (names cut as the scheduler cuts them)', () => {
    expect(PROFILES.gridengine.list).toEqual(['qstat']);
    const qstat = '    339 0.50000 i15rest-av root         r     12/07/2026 10:04:04 all.q@localhost                    1        \n';
    expect(parseStatus(qstat, PROFILES.gridengine).get('339')).toEqual({ state: 'r', name: 'i15rest-av' });
    expect(parseStatus('4711|RUNNING|capstan-x-a1\n', PROFILES.slurm).get('4711')).toEqual({ state: 'RUNNING', name: 'capstan-x-a1' });
    expect(parseStatus('4711|RUNNING|\n', PROFILES.slurm).get('4711')).toEqual({ state: 'RUNNING' });
    expect(parseStatus('1237.pbs01        capstan-w-a1-ab* alice                    0 R workq\n', PROFILES.pbs).get('1237.pbs01')).toEqual({ state: 'R', name: 'capstan-w-a1-ab*' });
    expect(parseStatus('1234 RUN -\n', PROFILES.lsf).get('1234')).toEqual({ state: 'RUN' });
    expect(parseStatus('1234.0 2\n', PROFILES.htcondor).get('1234')).toEqual({ state: '2' });
  });

  it('takes no job id that could not travel in a command, and no exit code out of range', () => {
    expect(jobIdIn('Job <12 34> is submitted\n', PROFILES.lsf)).toBeUndefined();
    expect(jobIdIn('$(id)\n', { jobIdPattern: '^(.+)$' })).toBeUndefined();
    expect(parseStatus('1236 EXIT 99999\n', PROFILES.lsf).get('1236')).toEqual({ state: 'EXIT' });
    expect(phaseOf('toString', PROFILES.gridengine)).toBeUndefined();
  });
});
