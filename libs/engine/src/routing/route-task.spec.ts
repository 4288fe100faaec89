import { parseTask, type Task } from '@capstan/core-constraints';
import { thrownCapstanError } from '@capstan/support/testing';
import { routeTask } from './route-task';
import { type Routing, routeRuleSchema } from './routing-config';

function task(requirements: Record<string, unknown> = {}, hints: Record<string, unknown> = {}): Task {
  return parseTask({ name: 't', command: 'true', requirements: { container: 'capstan-test/busybox:1', cpu: 1, memory: '1 GiB', ...requirements }, hints });
}

const NAMES = ['here', 'hpc', 'box'];

function routing(rules: unknown[] = [], defaultBackend = 'box'): Routing {
  return { names: NAMES, rules: rules.map((rule) => routeRuleSchema.parse(rule)), defaultBackend };
}

describe('routeTask', () => {
  it('sends a task to the default backend when no rule matches, and says so', () => {
    expect(routeTask(task(), routing([{ backend: 'hpc', when: { minCpu: 8 } }]))).toEqual({ backend: 'box', reason: 'the default backend (no rule of routes matched)' });
    expect(routeTask(task(), routing())).toEqual({ backend: 'box', reason: 'the default backend' });
  });

  it('takes the first matching rule, not the best one, and names it', () => {
    const rules = [
      { backend: 'here', when: { shortTask: true } },
      { backend: 'hpc', when: { minCpu: 4 } },
      { backend: 'box', when: { minCpu: 2 } },
    ];
    expect(routeTask(task({ cpu: 8 }, { short_task: true }), routing(rules))).toEqual({ backend: 'here', reason: 'rule 1 of routes (short_task true)', rule: 0 });
    expect(routeTask(task({ cpu: 8 }), routing(rules))).toEqual({ backend: 'hpc', reason: 'rule 2 of routes (cpu >= 4)', rule: 1 });
    expect(routeTask(task({ cpu: 2 }), routing(rules)).rule).toBe(2);
  });

  it('matches labels from the labels hint: every label of the rule, with the same value', () => {
    const rules = [{ backend: 'hpc', when: { labels: { size: 'big', team: 'genomics' } } }];
    expect(routeTask(task({}, { labels: { size: 'big', team: 'genomics', extra: 'x' } }), routing(rules))).toMatchObject({ backend: 'hpc', reason: 'rule 1 of routes (label size=big, label team=genomics)' });
    expect(routeTask(task({}, { labels: { size: 'big' } }), routing(rules)).backend).toBe('box');
    expect(routeTask(task({}, { labels: { size: 'small', team: 'genomics' } }), routing(rules)).backend).toBe('box');
    // A labels hint that is not a mapping of strings matches no label rule and fails nothing.
    expect(routeTask(task({}, { labels: ['size=big'] }), routing(rules)).backend).toBe('box');
    expect(routeTask(task({}, { labels: { size: 1 } }), routing([{ backend: 'hpc', when: { labels: { size: '1' } } }])).backend).toBe('box');
  });

  it('does not take an inherited property for a label (a label named __proto__ or toString)', () => {
    const rules = [{ backend: 'hpc', when: { labels: { toString: 'x' } } }];
    expect(routeTask(task({}, { labels: {} }), routing(rules)).backend).toBe('box');
  });

  it('matches by memory and by GPU, from the requirements or the gpu hint', () => {
    const rules = [
      { backend: 'hpc', when: { gpu: true } },
      { backend: 'here', when: { minMemory: '8 GiB' } },
    ];
    expect(routeTask(task({ gpu: true }), routing(rules))).toMatchObject({ backend: 'hpc', reason: 'rule 1 of routes (asks for a GPU)' });
    expect(routeTask(task({}, { gpu: 1 }), routing(rules)).backend).toBe('hpc');
    expect(routeTask(task({ memory: '16 GiB' }), routing(rules))).toMatchObject({ backend: 'here', reason: 'rule 2 of routes (memory >= 8 GiB)' });
    expect(routeTask(task({ memory: '7 GiB' }), routing(rules)).backend).toBe('box');
    expect(routeTask(task(), routing([{ backend: 'here', when: { gpu: false } }])).backend).toBe('here');
  });

  it('lets a rule without conditions match every task (a catch-all)', () => {
    expect(routeTask(task(), routing([{ backend: 'hpc' }]))).toMatchObject({ backend: 'hpc', reason: 'rule 1 of routes (every task)' });
  });

  it('lets the backend hint win over every rule', () => {
    expect(routeTask(task({ cpu: 8 }, { backend: 'here' }), routing([{ backend: 'hpc' }]))).toEqual({ backend: 'here', reason: 'the task\'s "backend" hint' });
  });

  it.each<[string, unknown]>([
    ['a backend type instead of a configured name', 'docker'],
    ['a name not configured', 'gpu-cluster'],
    ['a name of other case', 'HPC'],
    ['a name with a path in it', '../hpc'],
    ['an inherited property name', 'constructor'],
    ['a number', 3],
    ['a mapping', { type: 'docker' }],
  ])('refuses a backend hint naming %s, listing the configured names', (_label, hint) => {
    const error = thrownCapstanError(() => routeTask(task({}, { backend: hint }), routing()));
    expect(error.code).toBe('backend.unknown');
    expect(error.path).toBe('hints.backend');
    expect(error.message).toContain('the configured backends are "here", "hpc", "box"');
    expect(error.message).toContain('not a backend type');
  });

  it('shows a long hostile hint shortened, never whole', () => {
    const error = thrownCapstanError(() => routeTask(task({}, { backend: 'x'.repeat(100_000) }), routing()));
    expect(error.message.length).toBeLessThan(1000);
  });

  it('refuses rules whose conditions are misspelled or of the wrong type', () => {
    expect(() => routeRuleSchema.parse({ backend: 'hpc', when: { min_cpu: 4 } })).toThrow();
    expect(() => routeRuleSchema.parse({ backend: 'hpc', when: { minMemory: 'lots' } })).toThrow();
    expect(() => routeRuleSchema.parse({ backend: 'Hpc' })).toThrow();
  });
});
