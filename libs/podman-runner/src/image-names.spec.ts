import { dockerHubForm, isFullyQualified, localForm, qualifyCandidates, shortNameReason } from './image-names';

describe('image names', () => {
  it.each([
    ['docker.io/library/busybox:1', true],
    ['localhost/capstan-test/busybox:1', true],
    ['127.0.0.1:5000/capstan/busybox:1', true],
    ['quay.io/org/tool@sha256:abc', true],
    ['registry.example.org:8443/a/b/c', true],
    ['busybox', false],
    ['busybox:1', false],
    ['capstan-test/busybox:1', false],
    ['ubuntu@sha256:abc', false],
  ])('%s is fully qualified: %s', (reference, expected) => {
    expect(isFullyQualified(reference)).toBe(expected);
  });

  it('names the Docker Hub and the local forms of a short name', () => {
    expect(dockerHubForm('busybox:1')).toBe('docker.io/library/busybox:1');
    expect(dockerHubForm('ubuntu@sha256:abc')).toBe('docker.io/library/ubuntu@sha256:abc');
    expect(dockerHubForm('capstan-test/busybox:1')).toBe('docker.io/capstan-test/busybox:1');
    expect(localForm('capstan-test/busybox:1')).toBe('localhost/capstan-test/busybox:1');
  });

  it('refuses short names under refuse and qualifies them as Docker does under docker.io, keeping the order', () => {
    expect(qualifyCandidates(['busybox:1', 'localhost/x:1', 'org/y'], 'refuse')).toEqual({
      usable: [{ written: 'localhost/x:1', reference: 'localhost/x:1' }],
      refused: ['busybox:1', 'org/y'],
    });
    expect(qualifyCandidates(['busybox:1', 'localhost/x:1'], 'docker.io')).toEqual({
      usable: [
        { written: 'busybox:1', reference: 'docker.io/library/busybox:1' },
        { written: 'localhost/x:1', reference: 'localhost/x:1' },
      ],
      refused: [],
    });
  });

  it('explains a refusal with both fully qualified forms and those the service has', () => {
    const reason = shortNameReason('capstan-test/busybox:1', ['localhost/capstan-test/busybox:1']);
    expect(reason).toContain('docker.io/capstan-test/busybox:1 (Docker Hub) or localhost/capstan-test/busybox:1 (built, loaded or imported on this machine)');
    expect(reason).toContain('this Podman has localhost/capstan-test/busybox:1');
    expect(reason).toContain('shortNames to docker.io');
    expect(shortNameReason('busybox', [])).not.toContain('this Podman has');
  });
});
