import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fencedBlocks } from '../../../tools/lib/markdown-blocks';
import { effectiveProfile, parseBatchBackendOptions } from './batch-backend-options';
import { renderTemplate } from './template';

// The `batch:` sections docs/batch.md shows are configurations a reader copies: each must pass the schema, and its
// submit template must render for a task.
const DOC = 'docs/batch.md';
const sections = fencedBlocks(readFileSync(join(__dirname, '../../..', DOC), 'utf8'), DOC)
  .filter((block) => block.language === 'yaml')
  .map((block) => [block.where, (parse(block.body.join('\n')) as { batch?: unknown }).batch] as const)
  .filter(([, batch]) => batch !== undefined);

describe('the batch sections of docs/batch.md', () => {
  it('are there', () => {
    expect(sections.length).toBeGreaterThanOrEqual(2);
  });

  it.each(sections)('%s is a valid configuration whose submit renders', (_where, batch) => {
    const options = parseBatchBackendOptions(batch);
    const argv = renderTemplate(effectiveProfile(options).submit, { job_name: 'doc-a1', script: '/s/job.sh', work_dir: '/s/work', stdout: '/s/out', stderr: '/s/err', cpus: '2' }, 'submit');
    expect(argv.at(-1)).toBe('/s/job.sh');
  });
});
