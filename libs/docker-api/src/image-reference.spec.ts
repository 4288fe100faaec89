import { normaliseRegistryHost, parseImageReference } from './image-reference';

describe('parseImageReference', () => {
  it.each([
    ['ubuntu', { registry: 'docker.io', name: 'ubuntu', tag: 'latest', digest: null }],
    ['ubuntu:22.04', { registry: 'docker.io', name: 'ubuntu', tag: '22.04', digest: null }],
    ['capstan-test/busybox:1', { registry: 'docker.io', name: 'capstan-test/busybox', tag: '1', digest: null }],
    ['127.0.0.1:5000/capstan/busybox:1', { registry: '127.0.0.1:5000', name: '127.0.0.1:5000/capstan/busybox', tag: '1', digest: null }],
    ['localhost/x', { registry: 'localhost', name: 'localhost/x', tag: 'latest', digest: null }],
    ['quay.io/biocontainers/samtools:1.17--h00cdaf9_0', { registry: 'quay.io', name: 'quay.io/biocontainers/samtools', tag: '1.17--h00cdaf9_0', digest: null }],
    [`ghcr.io/o/r@sha256:${'a'.repeat(64)}`, { registry: 'ghcr.io', name: 'ghcr.io/o/r', tag: null, digest: `sha256:${'a'.repeat(64)}` }],
    [`r:5000/x:1@sha256:${'b'.repeat(64)}`, { registry: 'r:5000', name: 'r:5000/x', tag: '1', digest: `sha256:${'b'.repeat(64)}` }],
  ])('%s', (reference, expected) => {
    expect(parseImageReference(reference)).toEqual(expected);
  });
});

describe('normaliseRegistryHost', () => {
  it('drops the scheme and path and makes Docker Hub one name', () => {
    expect(normaliseRegistryHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normaliseRegistryHost('http://127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(normaliseRegistryHost('Registry.Example.org/v2/')).toBe('registry.example.org');
  });
});
