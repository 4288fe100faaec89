import { withRetries } from '../http/retry-policy';
import { type TesHttpClient } from '../http/tes-http-client';
import { type TesTaskSubmission } from '../mapping/task-mapping';
import { TesTag } from '../tes-tags';

/**
 * POST /tasks, retried like every request, but never doubled: creating is not idempotent, and a request that timed
 * out, lost its connection or got a 5xx may still have created the task. So before each retry the server is asked
 * for a task carrying this submission's unique tag, and an existing one is taken instead of posting again.
 */
export async function submitTask(client: TesHttpClient, task: TesTaskSubmission): Promise<string> {
  const submission = task.tags[TesTag.Submission];
  const request = { method: 'POST', endpoint: '/tasks' };
  return withRetries(
    async (attempt) => {
      if (attempt > 1 && submission !== undefined) {
        // BASIC carries the tags, checked here too: a server that ignores tag filters would list other tasks.
        const found = await client.listTasks({ tags: { [TesTag.Submission]: submission }, view: 'BASIC', pageSize: 1 });
        const existing = found.tasks.find((candidate) => candidate.tags?.[TesTag.Submission] === submission)?.id;
        if (existing !== undefined) return existing;
      }
      return client.createTaskOnce(task);
    },
    client.retryPolicy,
    (failure, tries) => client.gaveUp(request, failure, tries),
  );
}
