// A second process for the one-server-per-file tests: opens the store named on the command line and prints one JSON
// line: {"opened":true} or the CapstanError. With "hold" it keeps the store open until its stdin closes.
import { CapstanError } from '@capstan/core-constraints';
import { SqliteTesTaskStore } from '../sqlite/sqlite-tes-task-store';

const [file = '', mode = 'close'] = process.argv.slice(2);
try {
  const store = new SqliteTesTaskStore({ file });
  console.log(JSON.stringify({ opened: true }));
  if (mode === 'hold') {
    process.stdin.resume();
    process.stdin.on('end', () => store.close());
  } else {
    store.close();
  }
} catch (error) {
  if (!(error instanceof CapstanError)) throw error;
  console.log(JSON.stringify(error.toJSON()));
}
