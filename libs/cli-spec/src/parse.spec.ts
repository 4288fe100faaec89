import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { configFlags, parseCommand } from './parse';
import { parserOptions } from './spec';
import { SAMPLE_RUN, SAMPLE_STATUS } from './testing/sample-commands';

function usageFailure(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CapstanError);
    expect((error as CapstanError).code).toBe(ErrorCode.Usage);
    return error as CapstanError;
  }
  throw new Error('expected a usage error');
}

describe('parserOptions', () => {
  it('gives parseArgs every flag with its type, short name, repeatability and parser default', () => {
    const options = parserOptions(SAMPLE_RUN);
    expect(Object.keys(options)).toEqual(Object.keys(SAMPLE_RUN.flags));
    expect(options['help']).toEqual({ type: 'boolean', short: 'h' });
    expect(options['env']).toEqual({ type: 'string', multiple: true });
    expect(options['older-than']).toEqual({ type: 'string', default: '7d' });
    // A default the config supplies must not reach the parser: it would override the config file.
    expect(options['backend']).toEqual({ type: 'string' });
  });
});

describe('parseCommand', () => {
  it('parses flags, positionals and the words after --, typed from the definition', () => {
    const parsed = parseCommand(SAMPLE_RUN, ['a.yaml', '--image', 'busybox', '--env', 'A=1', '--env', 'B=2', '--', 'echo', '--image', 'x']);
    expect(parsed.values.image).toBe('busybox');
    expect(parsed.values.env).toEqual(['A=1', 'B=2']);
    expect(parsed.values['older-than']).toBe('7d');
    expect(parsed.positionals).toEqual(['a.yaml']);
    expect(parsed.command).toEqual(['echo', '--image', 'x']);
  });

  it('tells no -- (command undefined) from an empty one', () => {
    expect(parseCommand(SAMPLE_RUN, ['a.yaml']).command).toBeUndefined();
    expect(parseCommand(SAMPLE_RUN, ['--']).command).toEqual([]);
  });

  it('names the nearest flag of an unknown one, in one line', () => {
    const error = usageFailure(() => parseCommand(SAMPLE_RUN, ['--imge', 'x']));
    expect(error.message).toBe('unknown option --imge; did you mean --image? (see "capstan run --help")');
    expect(error.details).toEqual({ value: '--imge', suggestion: '--image' });
    expect(error.message).not.toContain('\n');
  });

  it('suggests nothing for a flag far from every known one, and names the flag as given with =', () => {
    expect(usageFailure(() => parseCommand(SAMPLE_RUN, ['--zzzzzzzz'])).message).toBe('unknown option --zzzzzzzz (see "capstan run --help")');
    expect(usageFailure(() => parseCommand(SAMPLE_RUN, ['--backnd=docker'])).message).toMatch(/^unknown option --backnd; did you mean --backend\?/);
  });

  it('takes a negative number as the value of a string flag (so that its own check can refuse it)', () => {
    expect(parseCommand(SAMPLE_RUN, ['--retries', '-1', '--', 'x']).values.retries).toBe('-1');
    // After -- the words are the task's: nothing is joined there.
    expect(parseCommand(SAMPLE_RUN, ['--', 'cmd', '--retries', '-1']).command).toEqual(['cmd', '--retries', '-1']);
  });

  it('says which flag lacks its value, and that a boolean takes none', () => {
    expect(usageFailure(() => parseCommand(SAMPLE_RUN, ['--image'])).message).toMatch(/^option --image needs a value: --image IMAGE/);
    expect(usageFailure(() => parseCommand(SAMPLE_RUN, ['--image', '--backend', 'docker'])).message).toMatch(/^option --image needs a value/);
    expect(usageFailure(() => parseCommand(SAMPLE_RUN, ['--no-auth=yes'])).message).toMatch(/^option --no-auth takes no value/);
  });

  it('refuses arguments to a command that takes none', () => {
    expect(usageFailure(() => parseCommand(SAMPLE_STATUS, ['extra'])).message).toBe('capstan status takes no arguments, got extra (see "capstan status --help")');
  });

  it('hostile: an unknown flag full of terminal escapes, or huge, is shown escaped and cut', () => {
    const error = usageFailure(() => parseCommand(SAMPLE_RUN, [`--\u001b[31mred\u0007${'x'.repeat(5000)}`]));
    // eslint-disable-next-line no-control-regex
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
    expect(error.message).toContain('\\u001b[31mred\\u0007');
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('configFlags', () => {
  it('maps given flags onto their config keys, numbers as numbers, and leaves the others unset', () => {
    const values = parseCommand(SAMPLE_RUN, ['--backend', 'docker', '--timeout', '30', '--no-auth', '--image', 'x']).values;
    expect(configFlags(SAMPLE_RUN, values)).toEqual({ backend: 'docker', workRoot: undefined, timeoutSeconds: 30, 'api.auth.disabled': true });
    expect(configFlags(SAMPLE_RUN, {})).toEqual({ backend: undefined, workRoot: undefined, timeoutSeconds: undefined, 'api.auth.disabled': undefined });
  });

  it('fault: a number flag that is not a number is a usage error naming the flag and the value', () => {
    for (const bad of ['soon', '', 'Infinity']) {
      expect(usageFailure(() => configFlags(SAMPLE_RUN, { timeout: bad })).message).toMatch(new RegExp(`^--timeout ${bad} is not a number; give one, e.g. --timeout 30`));
    }
  });
});
