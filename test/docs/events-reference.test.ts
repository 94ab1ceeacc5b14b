import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, eventsReference, withReference } from '../../scripts/events-reference.ts';
import { CONTRACT_EVENTS } from '../../shared/model/events/contract.ts';

const PAGE = join(import.meta.dirname, '../../docs/events.md');

describe('docs/events.md, the reference part', () => {
  const page = readFileSync(PAGE, 'utf8');

  it('is what the zod schemas generate (else run "npm run schemas")', () => {
    expect(withReference(page)).toBe(page);
  });

  it('has a section, a field table and an example for every event of the contract', () => {
    const reference = page.slice(page.indexOf(BEGIN), page.indexOf(END));
    for (const event of CONTRACT_EVENTS) {
      const at = reference.indexOf(`### ${event.detailType} (${event.direction}`);
      expect({ event: event.slug, at: at >= 0 }).toEqual({ event: event.slug, at: true });
      const next = reference.indexOf('\n### ', at + 1);
      const section = reference.slice(at, next < 0 ? undefined : next);
      expect(section).toContain('| field | type | required | bounds |');
      expect(section).toContain('```json');
    }
  });

  it('notices a hand edit of the generated part', () => {
    const edited = page.replace('| `twinIds` |', '| `twinIDs` |');
    expect(edited).not.toBe(page);
    expect(withReference(edited)).toBe(page);
    expect(eventsReference()).toContain(BEGIN);
  });
});
