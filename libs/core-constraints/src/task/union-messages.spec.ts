import { CapstanError } from '../errors/capstan-error';
import { parseHints } from './hints';
import { parseRequirements } from './requirements';
import { parseTask } from './task';

// Fields that take several types say every accepted form and an example, not just "invalid input".
describe('messages of fields with several accepted types', () => {
  const errorOf = (parse: () => unknown): CapstanError => {
    try {
      parse();
    } catch (error) {
      if (error instanceof CapstanError) return error;
      throw error;
    }
    throw new Error('expected a CapstanError');
  };

  it.each([
    [() => parseRequirements({ return_codes: 'any' }), 'requirements.return_codes', /^"any" is not an exit code, a non-empty list of exit codes, or "\*" .*e\.g\. 0, \[0, 3\] or "\*"$/],
    [() => parseHints({ gpu: true }), 'hints.gpu', /^true is neither a count of accelerators \(e\.g\. 2\) nor a specification/],
    [() => parseHints({ disks: 5 }), 'hints.disks', /^5 is neither a disk class for every mount/],
    [() => parseHints({ preemptible: 'often' }), 'hints.preemptible', /^"often" is not a number of retries on preemption/],
    [() => parseTask({ name: 'x', command: 'y', env: { A: [1] } }), 'env.A', /^a list is not an environment value; give a string, number or boolean$/],
  ])('%#: %s', (parse, path, message) => {
    const error = errorOf(parse);
    expect(error.code).toBe('value.invalid');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });
});
