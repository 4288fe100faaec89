import { commandListText, helpText } from './help';
import { cliMarkdown } from './markdown';
import { SAMPLE_RUN, SAMPLES } from './testing/sample-commands';

describe('helpText', () => {
  const text = helpText(SAMPLE_RUN);

  it('lists every flag of the definition, by group, with its value, default and repeatability', () => {
    for (const name of Object.keys(SAMPLE_RUN.flags)) expect(text).toContain(`--${name}`);
    expect(text).toMatch(/^Usage: capstan run <file>\.\.\. \[options\]\n {7}capstan run \[--image IMAGE\] -- COMMAND\n\nRuns things\.\n\nQuick form:\n/);
    expect(text).toContain("\n\nOptions:\n  --backend NAME");
    expect(text).toMatch(/ {2}--backend NAME {18}where it runs \(default: auto\)\n/);
    expect(text).toMatch(/--env K=V +a variable \(repeatable\)/);
    expect(text).toMatch(/-h, --help +show this help/);
  });

  it('wraps long help under its column, no line past 118 characters', () => {
    const long = helpText({ ...SAMPLE_RUN, flags: { wordy: { type: 'boolean', help: 'word '.repeat(60) } } });
    const lines = long.split('\n').filter((line) => line.includes('word'));
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(118);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {34}word/);
  });
});

describe('commandListText', () => {
  it('names every command, --version and --help, aligned', () => {
    const text = commandListText(SAMPLES);
    expect(text).toContain('  run             run a thing\n  status          say how things are\n');
    expect(text).toContain('  -V, --version   print the version\n  -h, --help      show this help\n');
  });
});

describe('cliMarkdown', () => {
  const markdown = cliMarkdown(SAMPLES, 'the samples');

  it('has a section per command with its synopsis and one table row per flag with default and config key', () => {
    expect(markdown).toContain('## capstan run\n\nrun a thing\n\n```text\ncapstan run <file>... [options]\ncapstan run [--image IMAGE] -- COMMAND\n```');
    expect(markdown).toContain('## capstan status');
    expect(markdown).toContain('| `--backend NAME` | where it runs | auto | `backend` |');
    expect(markdown).toContain('| `--env K=V` | a variable (repeatable) |  |  |');
    expect(markdown).toContain('Generated from the samples');
  });

  it('escapes what would break a table row or become HTML', () => {
    expect(markdown).toContain('the image \\| a pipe');
    const tagged = cliMarkdown([{ ...SAMPLE_RUN, flags: { x: { type: 'boolean', help: 'at /mnt/<name>' } } }], 's');
    expect(tagged).toContain('at /mnt/&lt;name&gt;');
  });
});
