// `capstan serve` as a chunk of its own, imported only when it runs: the TES server, SQLite and Swagger stay out of
// every other command.
export { serveCommand } from '@capstan/wiring';
