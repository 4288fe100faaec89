import { capstanLabels, parseCapstanLabels } from './capstan-labels';
import { HolderLabel, holderLabels, parseHolderLabels } from './holder-labels';

const base = capstanLabels({ runId: 'run1', taskName: 't', uniqueName: 't-abc', attempt: 1, ownerHost: 'h', ownerPid: 42, created: new Date('2026-12-01T00:00:00Z') });

describe('holderLabels', () => {
  it('names the holder by id and folder, and parseCapstanLabels reads it back', () => {
    const labels: Record<string, string> = { ...base, ...holderLabels({ id: 'A1b2C3d4E5f6G7h8', folder: '/srv/tes' }) };
    expect(labels[HolderLabel.Id]).toBe('A1b2C3d4E5f6G7h8');
    expect(parseCapstanLabels(labels)?.holder).toEqual({ id: 'A1b2C3d4E5f6G7h8', folder: '/srv/tes' });
    expect(parseCapstanLabels(base)?.holder).toBeUndefined();
  });

  it('refuses an id that is short or not alphanumeric, and a relative folder', () => {
    expect(() => holderLabels({ id: 'short', folder: '/srv/tes' })).toThrow(/16 to 64 letters and digits/);
    expect(() => holderLabels({ id: 'A1b2C3d4E5f6G7h8;rm', folder: '/srv/tes' })).toThrow(/letters and digits/);
    expect(() => holderLabels({ id: 'A1b2C3d4E5f6G7h8', folder: 'srv/tes' })).toThrow(/absolute path/);
  });

  it('counts a malformed or empty holder id as held: a reaper keeps rather than removes (hostile labels)', () => {
    expect(parseHolderLabels({ [HolderLabel.Id]: '' })).toEqual({ id: '', folder: '(unknown folder)' });
    expect(parseCapstanLabels({ ...base, [HolderLabel.Id]: '../../x' })?.holder).toEqual({ id: '../../x', folder: '(unknown folder)' });
  });
});
