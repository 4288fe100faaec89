// A module of its own: task-text imports yaml, and a command that only tells a URL from a path must not load it.
/** A source or folder written as a URL (`s3://...`, `file://...`) rather than a host path; group 1 is its scheme. */
export const URL_SOURCE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;
