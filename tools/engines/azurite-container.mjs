// Creates a Blob container on Azurite with one Shared Key request and prints the HTTP status (201 created, 409
// already there). Used by azurite.sh, which runs before the workspace's node_modules may exist: node:crypto only.
// Environment: AZ_ADDR (host:port), AZ_ACCOUNT, AZ_KEY (base64), AZ_CONTAINER.
import { createHmac } from 'node:crypto';

const { AZ_ADDR: addr, AZ_ACCOUNT: account, AZ_KEY: key, AZ_CONTAINER: container } = process.env;
const date = new Date().toUTCString();
const version = '2021-12-02';
// The string Shared Key signs: verb, eleven empty standard headers, the x-ms headers, then the resource (path-style:
// the account appears twice).
const signed = ['PUT', '', '', '', '', '', '', '', '', '', '', '', `x-ms-date:${date}\nx-ms-version:${version}`, `/${account}/${account}/${container}\nrestype:container`].join('\n');
const signature = createHmac('sha256', Buffer.from(key, 'base64')).update(signed, 'utf8').digest('base64');
const answer = await fetch(`http://${addr}/${account}/${container}?restype=container`, {
  method: 'PUT',
  headers: { 'x-ms-date': date, 'x-ms-version': version, authorization: `SharedKey ${account}:${signature}` },
  signal: AbortSignal.timeout(10_000),
});
process.stdout.write(`${answer.status}\n`);
