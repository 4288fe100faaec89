/**
 * Tags this backend adds to every TES task besides the request's labels (`io.capstan.*`). A TES task cannot be
 * relabelled after creation, so these are set at submission.
 */
export const TesTag = {
  /** Which backend instance (one per process) submitted the task: the poll lists tasks by this tag. */
  Client: 'io.capstan.tes-client',
  /** Unique per submission: a POST /tasks retried after an ambiguous failure first looks for it, so no task is doubled. */
  Submission: 'io.capstan.tes-submission',
} as const;
