import fc from 'fast-check';
import { CapstanError } from '../errors/capstan-error';
import { ANY_CONTAINER, CONTAINER_KINDS, type ContainerKind, type ContainerSource, parseContainerList, parseContainerSource } from './container-source';

const SHA = `sha256:${'a1'.repeat(32)}`;

function capstanErrorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}

describe('CONTAINER_KINDS', () => {
  it('lists every kind', () => {
    expect(CONTAINER_KINDS).toEqual(['docker', 'library', 'oras', 'sif', 'any', 'unknown']);
    expect(ANY_CONTAINER).toBe('*');
  });
});

describe('parseContainerSource', () => {
  describe('usable sources', () => {
    it.each<[string, ContainerKind, string]>([
      ['ubuntu', 'docker', 'ubuntu'],
      ['ubuntu:22.04', 'docker', 'ubuntu:22.04'],
      ['ubuntu:latest', 'docker', 'ubuntu:latest'],
      ['  ubuntu:22.04  ', 'docker', 'ubuntu:22.04'],
      ['library/ubuntu', 'docker', 'library/ubuntu'],
      ['docker://ubuntu:22.04', 'docker', 'ubuntu:22.04'],
      ['DOCKER://ubuntu', 'docker', 'ubuntu'],
      ['quay.io/biocontainers/samtools:1.17--h00cdaf9_0', 'docker', 'quay.io/biocontainers/samtools:1.17--h00cdaf9_0'],
      ['localhost:5000/team/tool:1.0', 'docker', 'localhost:5000/team/tool:1.0'],
      ['localhost/tool', 'docker', 'localhost/tool'],
      ['registry.example.com:443/a/b/c:v1.2.3-rc_1', 'docker', 'registry.example.com:443/a/b/c:v1.2.3-rc_1'],
      ['docker://registry.example.com:5000/img:tag', 'docker', 'registry.example.com:5000/img:tag'],
      ['My-Registry.Example.COM/img', 'docker', 'My-Registry.Example.COM/img'],
      ['[::1]:5000/img:1', 'docker', '[::1]:5000/img:1'],
      ['my_org/my__image/sub-part.x', 'docker', 'my_org/my__image/sub-part.x'],
      ['a---b', 'docker', 'a---b'],
      ['ubuntu:Tag_With.Caps-1', 'docker', 'ubuntu:Tag_With.Caps-1'],
      [`ubuntu:${'t'.repeat(128)}`, 'docker', `ubuntu:${'t'.repeat(128)}`],
      [`ubuntu@${SHA}`, 'docker', `ubuntu@${SHA}`],
      [`ghcr.io/org/img:1.0@${SHA}`, 'docker', `ghcr.io/org/img:1.0@${SHA}`],
      [`docker://ghcr.io/org/img@${SHA}`, 'docker', `ghcr.io/org/img@${SHA}`],
      ['library://sylabsed/examples/lolcow:latest', 'library', 'library://sylabsed/examples/lolcow:latest'],
      ['LIBRARY://alpine', 'library', 'LIBRARY://alpine'],
      ['oras://ghcr.io/org/img:1.0', 'oras', 'oras://ghcr.io/org/img:1.0'],
      ['file:///x/y.sif', 'sif', '/x/y.sif'],
      ['file://images/y.sif', 'sif', 'images/y.sif'],
      ['img.sif', 'sif', 'img.sif'],
      ['./images/img.sif', 'sif', './images/img.sif'],
      ['/abs/path/img.sif', 'sif', '/abs/path/img.sif'],
      ['*', 'any', '*'],
      [' * ', 'any', '*'],
    ])('%j is %s with reference %j', (uri, kind, reference) => {
      const source = parseContainerSource(uri);
      expect(source).toEqual({ kind, reference, uri });
      expect(source.problem).toBeUndefined();
    });
  });

  describe('sources with a problem', () => {
    it.each<[string, ContainerKind, RegExp]>([
      ['Ubuntu:latest', 'docker', /not a valid Docker image reference/],
      ['UBUNTU', 'docker', /not a valid Docker image reference/],
      ['UPPER/x', 'docker', /not a valid Docker image reference/],
      ['--privileged', 'docker', /not a valid Docker image reference/],
      ['busy box', 'docker', /not a valid Docker image reference/],
      ['docker://Ubuntu', 'docker', /not a valid Docker image reference/],
      ['a b', 'docker', /not a valid Docker image reference/],
      ['ubuntu:', 'docker', /not a valid Docker image reference/],
      ['ubuntu:22.04:1', 'docker', /not a valid Docker image reference/],
      ['ubuntu@sha256:abc', 'docker', /not a valid Docker image reference/],
      [`ubuntu@${SHA}:tag`, 'docker', /not a valid Docker image reference/],
      [`ubuntu:${'t'.repeat(129)}`, 'docker', /not a valid Docker image reference/],
      ['-ubuntu', 'docker', /not a valid Docker image reference/],
      ['ubuntu-', 'docker', /not a valid Docker image reference/],
      ['a//b', 'docker', /not a valid Docker image reference/],
      ['/ubuntu', 'docker', /not a valid Docker image reference/],
      ['docker://', 'docker', /not a valid Docker image reference/],
      ['ubuntu:22.04 ; rm -rf /', 'docker', /not a valid Docker image reference/],
      ['https://example.com/img', 'unknown', /protocol "https:\/\/", which Capstan does not know/],
      ['https://example.com/img.sif', 'unknown', /protocol "https:\/\/"/],
      ['http://example.com/img', 'unknown', /protocol "http:\/\/"/],
      ['s3://bucket/img.tar', 'unknown', /protocol "s3:\/\/"/],
      ['shub://vsoch/hello-world', 'unknown', /protocol "shub:\/\/"/],
      ['file:///x/y.tar', 'unknown', /file:\/\/ source that is not a \.sif image/],
      ['library://', 'library', /has no location after the protocol/],
      ['oras://', 'oras', /has no location after the protocol/],
    ])('%j is %s with a problem', (uri, kind, problem) => {
      const source = parseContainerSource(uri);
      expect(source.kind).toBe(kind);
      expect(source.uri).toBe(uri);
      expect(source.problem).toMatch(problem);
    });

    it('keeps the URI of an unknown protocol as the reference', () => {
      expect(parseContainerSource('https://example.com/img')).toMatchObject({ reference: 'https://example.com/img' });
    });
  });

  describe('properties', () => {
    it('never throws, keeps the URI and gives a known kind for any string', () => {
      const fragments = fc
        .array(fc.constantFrom('docker://', 'library://', 'oras://', 'file://', 'https://', '*', 'ubuntu', 'Ubuntu', ':', '22.04', '/', '@', SHA, '.sif', ' ', '-', '_', '.', 'localhost:5000', '[::1]'), { maxLength: 7 })
        .map((parts) => parts.join(''));
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fragments), (uri) => {
          const source = parseContainerSource(uri);
          expect(source.uri).toBe(uri);
          expect(CONTAINER_KINDS).toContain(source.kind);
          if (source.kind === 'unknown') expect(source.problem).toBeDefined();
        }),
        { numRuns: 1000 },
      );
    });

    it('accepts generated valid Docker references', () => {
      const component = fc.stringMatching(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/);
      const reference = fc
        .record({
          domain: fc.option(fc.constantFrom('ghcr.io', 'localhost:5000', 'registry.example.com:443', 'quay.io'), { nil: undefined }),
          path: fc.array(component, { minLength: 1, maxLength: 3 }),
          tag: fc.option(fc.stringMatching(/^\w[\w.-]{0,20}$/), { nil: undefined }),
          digest: fc.option(fc.constant(SHA), { nil: undefined }),
        })
        .map(({ domain, path, tag, digest }) =>
          `${domain === undefined ? '' : `${domain}/`}${path.join('/')}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`,
        );
      fc.assert(
        fc.property(reference, fc.boolean(), (ref, withScheme) => {
          const source = parseContainerSource(withScheme ? `docker://${ref}` : ref);
          if (ref.endsWith('.sif')) return;
          expect(source).toEqual({ kind: 'docker', reference: ref, uri: withScheme ? `docker://${ref}` : ref });
        }),
        { numRuns: 500 },
      );
    });

    it('answers quickly for long, nearly valid references', () => {
      const started = Date.now();
      for (const uri of [`${'a-'.repeat(5000)}!`, `${'a.'.repeat(5000)}/`, `${'a'.repeat(10000)}:`, `x/${'a__'.repeat(5000)}A`, `${'a1.'.repeat(3000)}:99999/!`]) {
        expect(parseContainerSource(uri).problem).toBeDefined();
      }
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });
});

describe('parseContainerList', () => {
  it.each<[string, unknown, Array<Pick<ContainerSource, 'kind' | 'reference'>>]>([
    ['"*"', '*', [{ kind: 'any', reference: '*' }]],
    ['a single image', 'ubuntu:22.04', [{ kind: 'docker', reference: 'ubuntu:22.04' }]],
    [
      'a list in order',
      ['docker://ubuntu:22.04', 'img.sif', 'library://a/b', '*'],
      [
        { kind: 'docker', reference: 'ubuntu:22.04' },
        { kind: 'sif', reference: 'img.sif' },
        { kind: 'library', reference: 'library://a/b' },
        { kind: 'any', reference: '*' },
      ],
    ],
    ['a list with a problem candidate', ['Ubuntu', 'ubuntu'], [{ kind: 'docker', reference: 'Ubuntu' }, { kind: 'docker', reference: 'ubuntu' }]],
  ])('%s', (_label, value, expected) => {
    const sources = parseContainerList(value, 'requirements.container');
    expect(sources).toHaveLength(expected.length);
    expected.forEach((want, index) => expect(sources[index]).toMatchObject(want));
  });

  it('keeps the problem of a malformed candidate instead of throwing', () => {
    expect(parseContainerList(['Ubuntu:latest'], null)[0]?.problem).toMatch(/not a valid Docker image reference/);
  });

  it.each<[string, unknown, string | null, RegExp]>([
    ['an empty list', [], 'requirements.container', /the container list is empty/],
    ['a number', 1, 'requirements.container', /^1 is not a container URI/],
    ['null', null, 'requirements.container', /^null is not a container URI/],
    ['undefined', undefined, 'requirements.container', /^nothing is not a container URI/],
    ['an empty string', '', 'requirements.container', /^"" is not a container URI/],
    ['a blank string', '   ', 'requirements.container', /is not a container URI/],
    ['a mapping', { image: 'ubuntu' }, 'requirements.container', /is not a container URI/],
    ['a bigint', 10n, 'requirements.container', /is not a container URI/],
    ['a number in a list', ['ubuntu', 1], 'requirements.container.1', /^1 is not a container URI/],
    ['a nested list', [['ubuntu']], 'requirements.container.0', /^a list is not a container URI/],
    ['an empty string in a list', ['ubuntu', ''], 'requirements.container.1', /is not a container URI/],
    ['a bigint in a list', [10n], 'requirements.container.0', /is not a container URI/],
    ['a hole in a sparse list', new Array<unknown>(1), 'requirements.container.0', /^nothing is not a container URI/],
  ])('rejects %s', (_label, value, path, message) => {
    const error = capstanErrorOf(() => parseContainerList(value, 'requirements.container'));
    expect(error.code).toBe('container.invalid');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it('tells how to write a container in the message', () => {
    expect(capstanErrorOf(() => parseContainerList(3, null)).message).toContain('"ubuntu:22.04"');
    expect(capstanErrorOf(() => parseContainerList([], null)).message).toContain('"*" for any');
  });

  it('uses the index alone as the path of a list item when no path is given', () => {
    expect(capstanErrorOf(() => parseContainerList(['a', 2], null)).path).toBe('1');
    expect(capstanErrorOf(() => parseContainerList(2, null)).path).toBeNull();
  });

  it('throws nothing but container.invalid CapstanErrors for any value', () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    for (const value of [circular, [circular], Symbol('x'), [Symbol('x')], () => 'ubuntu']) {
      expect(capstanErrorOf(() => parseContainerList(value, null)).code).toBe('container.invalid');
    }
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true }), (value) => {
        try {
          const sources = parseContainerList(value, null);
          expect(sources.length).toBeGreaterThan(0);
          for (const source of sources) expect(CONTAINER_KINDS).toContain(source.kind);
        } catch (error) {
          expect(error).toBeInstanceOf(CapstanError);
          expect((error as CapstanError).code).toBe('container.invalid');
        }
      }),
      { numRuns: 500 },
    );
  });
});
