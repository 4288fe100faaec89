import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type DockerClient, type ImageDetails } from './docker-client';
import { parseImageReference } from './image-reference';
import { type ImagePuller } from './image-puller';
import { type PullBytes } from './pull-progress';
import { type RegistryCredentials } from './registry-credentials';

/** `if-not-present`: use a local image, pull a missing one; `always`: pull every time; `never`: local images only. */
export const PULL_POLICIES = ['if-not-present', 'always', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export interface ResolveImageOptions {
  readonly policy: PullPolicy;
  readonly signal?: AbortSignal;
  readonly onPulling?: (reference: string, bytes: PullBytes) => void;
  readonly onPulled?: (reference: string, ms: number) => void;
  /** Candidates dropped before (e.g. an unsupported kind), listed in the error when no candidate works. */
  readonly skipped?: ReadonlyArray<{ readonly reference: string; readonly reason: string }>;
}

export interface ResolvedImage {
  readonly reference: string;
  readonly details: ImageDetails;
  readonly pulled: boolean;
}

/**
 * Finds the first usable image among a task's candidates, in order, under a pull policy. When none works, the error
 * (`image.unavailable`) lists every candidate with its reason. A daemon that does not answer fails at once.
 */
export class ImageResolver {
  constructor(
    private readonly client: Pick<DockerClient, 'inspectImage'>,
    private readonly puller: Pick<ImagePuller, 'pull'>,
    private readonly credentials: Pick<RegistryCredentials, 'forImage'>,
    /** The engine's login command, named when a registry refuses a pull (`docker login`, `podman login`). */
    private readonly loginCommand = 'docker login',
  ) {}

  async resolve(references: readonly string[], options: ResolveImageOptions): Promise<ResolvedImage> {
    const failures: Array<{ reference: string; reason: string }> = [...(options.skipped ?? [])];
    for (const reference of references) {
      try {
        const found = await this.tryCandidate(reference, options);
        if (typeof found !== 'string') return found;
        failures.push({ reference, reason: found });
      } catch (error) {
        if (error instanceof CapstanError && (error.code === ErrorCode.BackendUnavailable || error.code === ErrorCode.Canceled)) throw error;
        failures.push({ reference, reason: this.explain(reference, error) });
      }
    }
    const list = failures.map((failure) => `  - ${failure.reference}: ${failure.reason}`).join('\n');
    throw new CapstanError(
      ErrorCode.ImageUnavailable,
      failures.length === 0
        ? 'the task names no container image this backend can use; give one under requirements.container'
        : `none of the task's ${failures.length} container image${failures.length === 1 ? '' : 's'} can be used (pull policy ${options.policy}):\n${list}`,
      { path: 'requirements.container', details: { candidates: failures } },
    );
  }

  /** The resolved image, or the reason this candidate cannot be used. */
  private async tryCandidate(reference: string, options: ResolveImageOptions): Promise<ResolvedImage | string> {
    if (options.policy !== 'always') {
      const local = await this.client.inspectImage(reference, options.signal);
      if (local !== null) return { reference, details: local, pulled: false };
      if (options.policy === 'never') return 'not present locally, and the pull policy is never (pull it first, or change the policy)';
    }
    const started = performance.now();
    await this.puller.pull(reference, (bytes) => options.onPulling?.(reference, bytes), options.signal);
    options.onPulled?.(reference, Math.round(performance.now() - started));
    const details = await this.client.inspectImage(reference, options.signal);
    return details === null ? { reference, details: { id: '', user: '' }, pulled: true } : { reference, details, pulled: true };
  }

  private explain(reference: string, error: unknown): string {
    const message = error instanceof Error ? error.message.replace(/^\S+ pull of \S+ failed: /, '') : String(error);
    const registry = parseImageReference(reference).registry;
    const authProblem = /no basic auth credentials|unauthorized|authentication required|denied/i.test(message);
    if (!authProblem) return `the pull failed: ${message}`;
    const hint =
      this.credentials.forImage(reference) === undefined
        ? `no credentials are configured for ${registry}: add them under the backend's registries option, or \`${this.loginCommand} ${registry}\``
        : `the credentials configured for ${registry} were refused, or the image does not exist`;
    return `the pull failed: ${message} (${hint})`;
  }
}
