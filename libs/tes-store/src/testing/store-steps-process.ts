// A second process for the crash tests: opens the store named on the command line with the index batching given,
// takes the steps given (JSON, see store-steps.ts), prints "done" and holds the store open until it is killed.
import { parseListQuery } from '@capstan/tes-model';
import { SqliteTesTaskStore } from '../sqlite/sqlite-tes-task-store';
import { type StoreSteps } from './store-steps';
import { storedTask } from './task-fixtures';

async function main(): Promise<void> {
  const [file = '', json = '{}'] = process.argv.slice(2);
  const run = JSON.parse(json) as StoreSteps;
  const store = new SqliteTesTaskStore({ file }, { indexBatching: run.indexBatching });
  for (const step of run.steps) {
    if ('insert' in step) store.insert(storedTask(step.insert), step.owner);
    else if ('read' in step) store.list(parseListQuery({}));
    else if ('removeFinished' in step) store.removeFinished(step.removeFinished);
    else await new Promise((resolve) => setTimeout(resolve, step.waitMs));
  }
  console.log('done');
  process.stdin.resume();
}

void main();
