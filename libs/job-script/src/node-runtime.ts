/** What runs the task inside a batch job on the node. */
export const NODE_RUNTIMES = ['apptainer', 'docker', 'podman'] as const;
export type NodeRuntime = (typeof NODE_RUNTIMES)[number];
