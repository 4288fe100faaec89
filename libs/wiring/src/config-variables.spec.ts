import { engineConfigSchema } from '@capstan/engine';
import { envSettings, readEnvSettings } from '@capstan/engine/internal';
import { loadBuiltInPlugins, sectionsOf } from './backends';
import { apiConfigSchema } from './api-config';

/** Variables the README, docs and tests set: each must stay a documented setting as the schemas change. */
const DOCUMENTED = [
  'CAPSTAN_BACKEND',
  'CAPSTAN_RETENTION',
  'CAPSTAN_TIMEOUT_SECONDS',
  'CAPSTAN_REAP_ON_START',
  'CAPSTAN_LIMITS__MEMORY',
  'CAPSTAN_DOCKER__PULL_POLICY',
  'CAPSTAN_DOCKER__USER',
  'CAPSTAN_DOCKER__SOCKET_PATH',
  'CAPSTAN_DOCKER__REGISTRIES__REGISTRY_EXAMPLE__USERNAME',
  'CAPSTAN_PODMAN__SOCKET_PATH',
  'CAPSTAN_APPTAINER__BINARY',
  'CAPSTAN_TES__URL',
  'CAPSTAN_TES__POLL_INTERVAL_MS',
  'CAPSTAN_TES__AUTH__TYPE',
  'CAPSTAN_TES__AUTH__TOKEN',
  'CAPSTAN_API__AUTH__TOKEN',
  'CAPSTAN_API__AUTH__TOKENS',
  'CAPSTAN_API__PAUSED',
  'CAPSTAN_API__KEEP_TASK_FILES',
  'CAPSTAN_API__MAX_TASK_BYTES',
  'CAPSTAN_API__LIST_BUDGET_BYTES',
  'CAPSTAN_API__RATE_LIMIT__MAX',
  'CAPSTAN_API__RATE_LIMIT__WINDOW_SECONDS',
  'CAPSTAN_API__RETENTION__FINISHED_TASK_AGE',
  'CAPSTAN_API__RETENTION__SWEEP_INTERVAL',
];

describe('the CAPSTAN_ variables of every built-in section', () => {
  let settings: ReturnType<typeof envSettings> = [];
  beforeAll(async () => {
    settings = envSettings({ ...sectionsOf(await loadBuiltInPlugins()), api: apiConfigSchema }, engineConfigSchema);
  });

  it.each(DOCUMENTED)('reads %s', async (variable) => {
    const read = await readEnvSettings({ [variable]: '1' }, settings);
    expect(read).toEqual({ values: [expect.objectContaining({ variable })], warnings: [] });
  });

  it('names each setting once, and none with an empty level', () => {
    const names = settings.map((setting) => setting.variable);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((name) => name.includes('___') || name.endsWith('_'))).toEqual([]);
  });

  it('warns about a section that does not exist', async () => {
    expect((await readEnvSettings({ CAPSTAN_DOCKR__USER: 'root' }, settings)).warnings).toEqual([expect.stringContaining('did you mean CAPSTAN_DOCKER__USER?')]);
  });
});
