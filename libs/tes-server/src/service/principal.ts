/**
 * Who sends a request: the principal a bearer token names. A principal sees, lists and cancels only the tasks it
 * created, unless it is an admin, which sees every task (also those stored before owners were recorded).
 */
export interface Principal {
  readonly name: string;
  readonly admin: boolean;
}

/**
 * Everyone, when authentication is disabled (allowed only on loopback): one principal, an admin, so that a local
 * user sees every task as before.
 */
export const ANONYMOUS: Principal = { name: 'anonymous', admin: true };

/** Whether `caller` may see a task owned by `owner`. */
export function maySee(caller: Principal, owner: string): boolean {
  return caller.admin || owner === caller.name;
}
