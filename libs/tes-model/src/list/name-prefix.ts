/**
 * Whether a task's name passes the ListTasks `name_prefix` filter: a true prefix, compared exactly (not a substring,
 * not case-folded). No prefix (or the empty one) matches every task; a task without a name matches no other prefix.
 */
export function matchesNamePrefix(prefix: string | undefined, name: string | undefined): boolean {
  if (prefix === undefined || prefix === '') return true;
  return name !== undefined && name.startsWith(prefix);
}
