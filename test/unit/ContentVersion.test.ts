import { describe, expect, it } from 'vitest';
import { ContentVersion } from '../../src/cache/ContentVersion.js';

describe('ContentVersion', () => {
  it('names saved content by its checksum, shared by every owner', () => {
    const a = new ContentVersion('tab-a', 'f'.repeat(64));
    const b = new ContentVersion('tab-b', 'f'.repeat(64));
    expect(a.current()).toBe(b.current());
    expect(a.current().startsWith('s')).toBe(true);
  });

  it('moves when a write is sent, and a save covers only what was sent before it was called', () => {
    const v = new ContentVersion('tab', null);
    const fresh = v.current();
    v.sending();
    const afterWrite = v.current();
    expect(afterWrite).not.toBe(fresh);
    const sentAtSave = v.sent;
    v.sending(); // a write sent while the save runs
    v.saved(sentAtSave, 'a'.repeat(64));
    expect(v.current().startsWith('u')).toBe(true);
    v.saved(v.sent, 'b'.repeat(64));
    expect(v.current()).toBe(`s${'b'.repeat(32)}`);
  });

  it('after a reopen names the reopened content until the next write', () => {
    const v = new ContentVersion('tab', 'c'.repeat(64));
    v.sending();
    v.reopened('c'.repeat(64));
    expect(v.current()).toBe(`s${'c'.repeat(32)}`);
    v.reopened(null);
    expect(v.current().startsWith('u')).toBe(true);
  });
});
