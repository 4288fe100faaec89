import { type FastifyRequest } from 'fastify';

/** What the request log wants to know about a request beyond what fastify keeps: the task and the error, if any. */
export interface RequestNote {
  taskId?: string;
  error?: { code: string; message: string; stack?: string };
}

const notes = new WeakMap<FastifyRequest, RequestNote>();

export function noteOf(request: FastifyRequest): RequestNote {
  let note = notes.get(request);
  if (note === undefined) {
    note = {};
    notes.set(request, note);
  }
  return note;
}
