import * as api from './index';

describe('the public surface of tes-model', () => {
  it.each([
    'validateCreateTask',
    'acceptCreateTask',
    'applyBackendParameters',
    'ignoredFields',
    'inputSource',
    'readPathPattern',
    'createStoredTask',
    'taskView',
    'parseView',
    'isFinal',
    'canTransition',
    'assertTransition',
    'stateOnCancel',
    'parseListQuery',
    'matchesTags',
    'matchesNamePrefix',
    'matchesListQuery',
    'selectTaskPage',
    'compareNewestFirst',
    'encodePageToken',
    'decodePageToken',
    'newTaskId',
    'isTaskId',
    'taskIdTime',
    'TaskIdGenerator',
    'formatRfc3339',
    'parseRfc3339',
    'isRfc3339',
  ] as const)('exports %s', (name) => {
    expect(typeof api[name]).toBe('function');
  });

  it.each([
    'tesTaskSchema',
    'tesTaskInViewSchema',
    'tesExecutorSchema',
    'tesInputSchema',
    'tesOutputSchema',
    'tesResourcesSchema',
    'tesTaskLogSchema',
    'tesExecutorLogSchema',
    'tesOutputFileLogSchema',
    'tesStateSchema',
    'tesFileTypeSchema',
    'tesServiceInfoSchema',
    'tesListTasksResponseSchema',
    'tesCreateTaskResponseSchema',
    'tesCancelTaskResponseSchema',
    'createTaskSchema',
    'storedTesTaskSchema',
    'tesViewSchema',
    'rfc3339Schema',
  ] as const)('exports the zod schema %s', (name) => {
    expect(typeof api[name].safeParse).toBe('function');
  });

  it('exports the constants', () => {
    expect(api.TES_STATES).toHaveLength(11);
    expect(api.FINAL_STATES).toEqual(['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED']);
    expect(api.TES_VIEWS).toEqual(['MINIMAL', 'BASIC', 'FULL']);
    expect(api.DEFAULT_VIEW).toBe('MINIMAL');
    expect(api.DEFAULT_PAGE_SIZE).toBe(256);
    expect(api.MAX_PAGE_SIZE).toBe(2047);
    expect(api.DEFAULT_FILE_TYPE).toBe('FILE');
    expect(api.READ_ONLY_TASK_FIELDS).toEqual(['id', 'state', 'logs', 'creation_time']);
    expect(api.TES_ARTIFACT).toBe('tes');
    expect(api.TES_SPEC_VERSION).toBe('1.1.0');
  });
});
