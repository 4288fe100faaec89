import { CapstanLabel, LABEL_PREFIX, MANAGED_VALUE } from './label-keys';

describe('label keys', () => {
  it('stay the keys already written on resources: a change would orphan every container, job and task of earlier runs', () => {
    expect(CapstanLabel).toEqual({
      Managed: 'io.capstan.managed',
      RunId: 'io.capstan.run-id',
      Task: 'io.capstan.task',
      UniqueName: 'io.capstan.unique-name',
      Attempt: 'io.capstan.attempt',
      OwnerHost: 'io.capstan.owner-host',
      OwnerPid: 'io.capstan.owner-pid',
      Created: 'io.capstan.created',
    });
    expect(MANAGED_VALUE).toBe('true');
  });

  it('are distinct, under the prefix, and safe as Docker label keys and Slurm comment keys (lower-case, no = ; | or blanks)', () => {
    const keys = Object.values(CapstanLabel);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${LABEL_PREFIX.replace('.', '\\.')}\\.[a-z][a-z-]*$`));
  });
});
