import { describe, expect, it } from 'vitest';
import { fillTemplate } from '../../bench/report-template.mjs';

const formats = { twice: (x: number) => String(2 * x) };
const fill = (template: string, context: Record<string, unknown>) =>
  fillTemplate(template, context, { formats, source: 'T.md' });

describe('fillTemplate', () => {
  it('drops the opening comment and fills figures, formats, blocks and lists', () => {
    const template = [
      '<!--',
      'how to edit {{this}}',
      '-->',
      '',
      '# {{title}}',
      '{{#if a.on}}',
      'on: {{a.n | twice}}',
      '{{else}}',
      'off',
      '{{/if}}',
      'list: {{#each xs as x joined ", "}}{{x.name}}{{#if x.star}}*{{/if}}{{/each}}.',
      '{{#each xs as x}}',
      '- {{x.name}}',
      '{{/each}}',
      '',
    ].join('\n');
    const context = {
      title: 'T',
      a: { on: true, n: 21 },
      xs: [
        { name: 'p', star: true },
        { name: 'q', star: null },
      ],
    };
    expect(fill(template, context)).toBe('# T\non: 42\nlist: p*, q.\n- p\n- q\n');
    expect(fill(template, { ...context, a: { on: false, n: 0 } })).toContain('\noff\n');
  });

  it.each([
    ['{{missing}}', {}, 'T.md:1: unknown placeholder {{missing}}'],
    ['a\n{{x.y}}', { x: {} }, 'T.md:2: unknown placeholder {{x.y}}'],
    ['{{x.y}}', { x: null }, 'no value for {{x.y}}: x is null'],
    ['{{x}}', { x: null }, 'no text for {{x}}: its value is null'],
    ['{{x | nope}}', { x: 1 }, 'unknown format in {{x | nope}}'],
    ['{{x}', { x: 1 }, 'unclosed placeholder'],
    ['{{#if x}}', { x: 1 }, '{{#if x}} is never closed'],
    ['{{/each}}', {}, '{{/each}} closes nothing'],
    ['{{#iff x}}', { x: 1 }, 'unknown placeholder {{#iff x}}'],
    ['{{#each x as y}}{{/each}}', { x: 1 }, '{{#each x}} is not a list'],
    // Also in a part that this context does not show:
    ['{{#if x.on}}{{x.typo}}{{/if}}', { x: { on: false } }, 'unknown placeholder {{x.typo}}'],
    ['{{#each xs as x}}{{x | nope}}{{/each}}', { xs: [] }, 'unknown format in {{x | nope}}'],
  ])('refuses %j', (template, context, message) => {
    expect(() => fill(template, context)).toThrow(message);
  });
});
