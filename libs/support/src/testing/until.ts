/**
 * Polls `condition` until it holds; rejects naming `what` and the time waited when it does not within `timeoutMs`.
 * For tests that wait on something another process or timer does: a bounded wait, never a fixed sleep.
 */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition', intervalMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
