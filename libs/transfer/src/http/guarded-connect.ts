import { redactUrl } from '@capstan/core-constraints';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { type LookupFunction } from 'node:net';
import { type AddressPolicy, ipLiteral } from '../address/address-policy';
import { transferRefused, type TransferSubject } from '../errors/transfer-errors';

/** How names are resolved: dns.lookup (the system's resolver and /etc/hosts); tests pass a hosts-style table. */
export type Resolve = (hostname: string, options: LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export const systemResolve: Resolve = (hostname, options, callback) => dnsLookup(hostname, options, callback);

export const ALLOW_SETTING = 'transfer.allowAddresses (api.transfer.allowAddresses or --allow-address for capstan serve)';

/**
 * The refusal of one address, naming the URL (redacted; `hop` is the URL a redirect led to, if any), the address, the
 * rule it meets and the setting that opens it.
 */
export function addressRefused(subject: TransferSubject, hop: URL | null, address: string, rule: string): Error {
  const shown = hop === null ? subject.shownUrl : `${subject.shownUrl} (redirected to ${redactUrl(hop.href)})`;
  const block = address.includes(':') ? `${address}/128` : `${address}/32`;
  return transferRefused(
    subject,
    `${shown} leads to ${address}, a ${rule} address, which transfers do not reach (a defence against requests forged to reach the host, its network or the cloud metadata service)`,
    `use a public address; if this server must reach it, the operator adds "${block}" to ${ALLOW_SETTING}`,
    { url: shown, address, rule },
  );
}

/** Refuses a URL whose host is itself a refused IP literal: no lookup happens for those, so they are checked here. */
export function checkLiteralHost(policy: AddressPolicy, subject: TransferSubject, url: URL, hop: URL | null): void {
  const literal = ipLiteral(url.hostname);
  if (literal === null) return;
  const rule = policy.refusal(literal);
  if (rule !== null) throw addressRefused(subject, hop, literal, rule);
}

/**
 * The `lookup` a request connects through: the name is resolved once, every address it yields is checked, and the
 * socket connects to exactly those addresses, so no second lookup can return another (DNS rebinding). Any refused
 * address refuses the whole name: a name that mixes public and internal addresses is not one to trust.
 */
export function guardedLookup(policy: AddressPolicy, subject: TransferSubject, hop: URL | null, resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { family: options.family ?? 0, hints: options.hints ?? 0, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, '', 0);
        return;
      }
      for (const { address } of addresses) {
        const rule = policy.refusal(address);
        if (rule !== null) {
          callback(addressRefused(subject, hop, address, rule) as NodeJS.ErrnoException, '', 0);
          return;
        }
      }
      if (options.all === true) {
        (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
        return;
      }
      const first = addresses[0];
      if (first === undefined) callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      else callback(null, first.address, first.family);
    });
  };
}
