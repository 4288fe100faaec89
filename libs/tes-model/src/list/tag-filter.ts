/**
 * Whether a task's tags pass a ListTasks tag filter, as the spec's table defines it: every key of the filter must be
 * a tag of the task; a filter value must equal the tag's value, except the empty value, which matches any value
 * (the key must still be there). An empty filter matches every task.
 */
export function matchesTags(filter: Readonly<Record<string, string>>, taskTags: Readonly<Record<string, string>> | undefined): boolean {
  const tags = taskTags ?? {};
  return Object.entries(filter).every(([key, value]) => Object.hasOwn(tags, key) && (value === '' || tags[key] === value));
}
