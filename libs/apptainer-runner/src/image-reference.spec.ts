import { parseContainerSource } from '@capstan/core-constraints';
import { cacheKey, isLoopbackRegistry, toRemoteImage } from './image-reference';

const remote = (uri: string): ReturnType<typeof toRemoteImage> => toRemoteImage(parseContainerSource(uri));

describe('remote image references and cache keys', () => {
  it.each([
    ['busybox', 'docker://docker.io/library/busybox:latest', 'docker.io'],
    ['docker://busybox:1.36', 'docker://docker.io/library/busybox:1.36', 'docker.io'],
    ['index.docker.io/library/busybox', 'docker://docker.io/library/busybox:latest', 'docker.io'],
    ['biocontainers/samtools:1.9', 'docker://docker.io/biocontainers/samtools:1.9', 'docker.io'],
    ['docker://127.0.0.1:5000/capstan/busybox:1', 'docker://127.0.0.1:5000/capstan/busybox:1', '127.0.0.1:5000'],
    ['Quay.IO/biocontainers/bwa', 'docker://quay.io/biocontainers/bwa:latest', 'quay.io'],
    ['localhost:5000/x@sha256:' + 'a'.repeat(64), 'docker://localhost:5000/x@sha256:' + 'a'.repeat(64), 'localhost:5000'],
    ['ubuntu:22.04@sha256:' + 'b'.repeat(64), 'docker://docker.io/library/ubuntu@sha256:' + 'b'.repeat(64), 'docker.io'],
    ['library://sylabsed/examples/lolcow', 'library://sylabsed/examples/lolcow:latest', null],
    ['library://cloud.example.org/a/b/c:1.0', 'library://cloud.example.org/a/b/c:1.0', 'cloud.example.org'],
    ['oras://127.0.0.1:5000/capstan/busybox-sif:1', 'oras://127.0.0.1:5000/capstan/busybox-sif:1', '127.0.0.1:5000'],
    ['oras://ghcr.io/org/image', 'oras://ghcr.io/org/image:latest', 'ghcr.io'],
  ])('%s is %s at %s', (uri, normalised, registry) => {
    expect(remote(uri)).toMatchObject({ normalised, registry });
  });

  it('gives equivalent spellings one cache entry, and different images different ones', () => {
    expect(remote('busybox').key).toBe(remote('docker://docker.io/library/busybox:latest').key);
    expect(remote('busybox:1').key).not.toBe(remote('busybox:2').key);
    expect(remote('docker://127.0.0.1:5000/capstan/busybox:1').key).toMatch(/^docker_127\.0\.0\.1_5000_capstan_busybox_1-[0-9a-f]{16}$/);
  });

  it('keeps keys short and filesystem-safe for any reference', () => {
    const key = cacheKey('docker', `docker://${'a'.repeat(300)}/../x:y`);
    expect(key.length).toBeLessThanOrEqual(6 + 1 + 80 + 1 + 16);
    expect(key).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(key).not.toContain('/');
  });

  it('knows loopback registries (plain HTTP, --no-https)', () => {
    expect(['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000'].map(isLoopbackRegistry)).toEqual([true, true, true, true, true]);
    expect(['registry.example.org', '10.0.0.1:5000', '128.0.0.1', 'localhost.example.org'].map(isLoopbackRegistry)).toEqual([false, false, false, false]);
  });
});
