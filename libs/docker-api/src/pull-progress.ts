/** One message of the daemon's pull stream (`POST /images/create`). */
export interface PullMessage {
  readonly status?: string;
  readonly id?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
}

export interface PullBytes {
  readonly bytesDone: number;
  /** The sum of the sizes of the layers whose size is known yet (it grows as layers start); null before any. */
  readonly bytesTotal: number | null;
}

interface LayerProgress {
  done: number;
  total: number | null;
}

const FINISHED = /^(download complete|pull complete|already exists)$/i;

/**
 * Adds up a pull's progress in bytes downloaded, per layer: `Downloading` gives a layer's current and total bytes;
 * `Download complete`, `Pull complete` and `Already exists` finish it. `Extracting` is not download and is ignored.
 */
export class PullProgress {
  private readonly layers = new Map<string, LayerProgress>();

  /** Takes one message; returns true when the byte counts changed. */
  add(message: PullMessage): boolean {
    const id = message.id;
    const status = message.status ?? '';
    if (id === undefined || id === '' || /^pulling from/i.test(status)) return false;
    const layer = this.layers.get(id) ?? { done: 0, total: null };
    this.layers.set(id, layer);
    if (/^downloading$/i.test(status)) {
      const { current, total } = message.progressDetail ?? {};
      if (typeof total === 'number' && total > 0) layer.total = total;
      if (typeof current === 'number') layer.done = layer.total === null ? current : Math.min(current, layer.total);
      return true;
    }
    if (FINISHED.test(status)) {
      if (layer.total === null) layer.total = layer.done;
      layer.done = layer.total;
      return true;
    }
    return false;
  }

  get bytes(): PullBytes {
    let done = 0;
    let total = 0;
    let known = false;
    for (const layer of this.layers.values()) {
      done += layer.done;
      if (layer.total !== null) {
        total += layer.total;
        known = true;
      }
    }
    return { bytesDone: done, bytesTotal: known ? total : null };
  }
}

/** The error a pull stream reported, if this message is one. */
export function pullStreamError(message: PullMessage): string | undefined {
  if (message.error === undefined && message.errorDetail === undefined) return undefined;
  return (message.errorDetail?.message ?? message.error ?? 'the pull failed').trim();
}
