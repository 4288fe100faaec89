import { DATA_FOLDER_PLACEHOLDER, inTesFields, inTesTerms } from './tes-terms';

const DATA = '/var/lib/capstan-tes-terms';
const ID = '01JTESTERMS0000000000000000';

describe('inTesFields', () => {
  it.each([
    ['killed for running out of memory (limit 32 MiB); raise requirements.memory or hints.max_memory', 'killed for running out of memory (limit 32 MiB); raise resources.ram_gb'],
    ['requirements.memory is 93 TiB, more than the 8 GiB a task may have', 'resources.ram_gb is 93 TiB, more than the 8 GiB a task may have'],
    ['requirements.cpu is 64, more than 2', 'resources.cpu_cores is 64, more than 2'],
    ['requirements.disk is 1 TB', 'resources.disk_gb is 1 TB'],
    ['requirements.container is not an image name', "the executor's image is not an image name"],
    ['hints.max_memory is below the request', 'resources.ram_gb is below the request'],
    [
      'task requires 90.9 TiB of memory but the docker backend has at most 23.5 GiB of memory per task; lower requirements.memory, or set the memory limit behavior to try_with_max to clamp',
      "task requires 90.9 TiB of memory but the docker backend has at most 23.5 GiB of memory per task; lower resources.ram_gb, or ask the server's operator to set engine.limits.memory: try_with_max to clamp",
    ],
    [
      'requirements.cpu: clamped from 12 CPUs to 8 CPUs, the most the docker backend gives one task (cpu limit behavior try_with_max)',
      "resources.cpu_cores: clamped from 12 CPUs to 8 CPUs, the most the docker backend gives one task (the server's engine.limits.cpu is try_with_max)",
    ],
  ])('%s', (message, expected) => {
    expect(inTesFields(message)).toBe(expected);
  });

  it('leaves other text alone (a field of the same prefix, the task\'s own words)', () => {
    expect(inTesFields('requirements.cpuset and executors.0.env.X')).toBe('requirements.cpuset and executors.0.env.X');
  });
});

describe('inTesTerms', () => {
  it('a host path of the task\'s files becomes the container path', () => {
    expect(inTesTerms(`the task left nothing at ${DATA}/tasks/${ID}/files/outputs/a.txt to store`, DATA, ID)).toBe('the task left nothing at /outputs/a.txt to store');
    expect(inTesTerms(`cannot read ${DATA}/tasks/${ID}/files`, DATA, ID)).toBe('cannot read /');
  });

  it('any other path in the data folder (another task\'s, the engine\'s) becomes a placeholder', () => {
    const message = `no space in ${DATA}/engine/attempts/x and ${DATA}/tasks/OTHER/files/y, ${DATA}`;
    const shown = inTesTerms(message, DATA, ID);
    expect(shown).not.toContain(DATA);
    expect(shown).toBe(`no space in ${DATA_FOLDER_PLACEHOLDER}/engine/attempts/x and ${DATA_FOLDER_PLACEHOLDER}/tasks/OTHER/files/y, ${DATA_FOLDER_PLACEHOLDER}`);
  });

  it('a data folder given with a trailing slash is still found', () => {
    expect(inTesTerms(`at ${DATA}/tasks/${ID}/files/x`, `${DATA}/`, ID)).toBe('at /x');
  });

  it('hostile: a message quoting the data folder many times, or glued to other text, keeps none of it', () => {
    const message = `${DATA}${DATA}/x ${DATA}-copy ${'/'.repeat(3)}${DATA}`;
    expect(inTesTerms(message, DATA, ID)).not.toContain(DATA);
  });

  it('fault: a data folder of "/" changes no path (nothing to hide, nothing mangled)', () => {
    expect(inTesTerms('/etc/passwd is outside', '/', ID)).toBe('/etc/passwd is outside');
  });
});
