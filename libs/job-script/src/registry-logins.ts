import { type ImageCandidate } from './image-candidates';

export interface RegistryLogin {
  readonly username: string;
  readonly password: string;
}

/**
 * The registry logins the candidates need, numbered: the job script reads login n from CAPSTAN_LOGIN_<n>_USER and
 * _PASSWORD, which travel in the job's environment, never in the script file.
 */
export function jobLogins(candidates: readonly ImageCandidate[], registries: Readonly<Record<string, RegistryLogin>>): { logins: Record<string, number>; env: Record<string, string> } {
  const logins: Record<string, number> = {};
  const env: Record<string, string> = {};
  for (const candidate of candidates) {
    if (candidate.kind !== 'convert' || candidate.registry === null || logins[candidate.registry] !== undefined) continue;
    const login = registries[candidate.registry];
    if (login === undefined) continue;
    const number = Object.keys(logins).length + 1;
    logins[candidate.registry] = number;
    env[`CAPSTAN_LOGIN_${number}_USER`] = login.username;
    env[`CAPSTAN_LOGIN_${number}_PASSWORD`] = login.password;
  }
  return { logins, env };
}
