// Specification of validateBlocks: it accepts sound Block Kit and names every limit a message breaks.
import { describe, expect, it } from 'vitest';
import { LIMITS, validateBlocks } from '../../../src/slack/views/limits.js';

const pt = (text: string) => ({ type: 'plain_text', text });
const mdt = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string, id?: string) => ({
  type: 'section',
  ...(id ? { block_id: id } : {}),
  text: mdt(text),
});
const option = (text: string, value: string) => ({ text: pt(text), value });

/** One problem expected, mentioning `fragment` at `path`. */
function expectProblem(message: unknown, path: string, fragment: string) {
  const problems = validateBlocks(message);
  expect(
    problems.some((p) => p.startsWith(path) && p.includes(fragment)),
    problems.join('\n'),
  ).toBe(true);
}

describe('validateBlocks', () => {
  it('accepts a sound message', () => {
    const message = {
      text: 'hello',
      blocks: [
        { type: 'header', text: pt('Hi') },
        section('body', 'a'),
        {
          type: 'input',
          block_id: 'b',
          label: pt('Pick'),
          element: {
            type: 'checkboxes',
            action_id: 'x',
            options: [option('A', 'a')],
            initial_options: [option('A', 'a')],
          },
        },
        { type: 'actions', elements: [{ type: 'button', action_id: 'go', text: pt('Go'), value: 'v' }] },
        { type: 'context', elements: [mdt('small')] },
        { type: 'divider' },
      ],
    };
    expect(validateBlocks(message)).toEqual([]);
  });

  it('counts blocks: 50 in a message, 100 in a Home view', () => {
    const blocks = Array.from({ length: 51 }, (_, i) => section(`s${i}`));
    expectProblem({ blocks }, 'blocks', '51 blocks > 50');
    expect(validateBlocks({ type: 'home', blocks })).toEqual([]);
    expectProblem({ type: 'home', blocks: [...blocks, ...blocks] }, 'blocks', '102 blocks > 100');
  });

  it('catches long texts: top-level, section, field, header, context', () => {
    expectProblem({ text: 'x'.repeat(4000), blocks: [] }, 'text', '≥ 4000');
    expectProblem({ blocks: [section('x'.repeat(3001))] }, 'blocks[0].text', '3001 chars > 3000');
    expectProblem(
      { blocks: [{ type: 'section', fields: [mdt('x'.repeat(2001))] }] },
      'blocks[0].fields[0]',
      '> 2000',
    );
    expectProblem({ blocks: [{ type: 'header', text: pt('x'.repeat(151)) }] }, 'blocks[0].text', '> 150');
    expectProblem(
      { blocks: [{ type: 'context', elements: [mdt('x'.repeat(3001))] }] },
      'blocks[0].elements[0]',
      '> 3000',
    );
  });

  it('catches wrong or empty text objects', () => {
    expectProblem(
      { blocks: [{ type: 'header', text: mdt('bold') }] },
      'blocks[0].text',
      'must be plain_text',
    );
    expectProblem({ blocks: [section('')] }, 'blocks[0].text', 'empty text');
    expectProblem({ blocks: [{ type: 'section' }] }, 'blocks[0]', 'needs text or fields');
  });

  it('catches too many checkbox, radio and select options, and long option texts and values', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => option(`o${i}`, `v${i}`));
    const input = (element: object) => ({ blocks: [{ type: 'input', label: pt('L'), element }] });
    expectProblem(
      input({ type: 'checkboxes', action_id: 'a', options: many(11) }),
      'blocks[0].element.options',
      '11 options > 10',
    );
    expectProblem(
      input({ type: 'radio_buttons', action_id: 'a', options: many(11) }),
      'blocks[0].element.options',
      '> 10',
    );
    expectProblem(
      input({ type: 'static_select', action_id: 'a', options: many(101) }),
      'blocks[0].element.options',
      '> 100',
    );
    expectProblem(
      input({ type: 'checkboxes', action_id: 'a', options: [option('x'.repeat(76), 'v')] }),
      'blocks[0].element.options[0].text',
      '76 chars > 75',
    );
    expectProblem(
      input({
        type: 'checkboxes',
        action_id: 'a',
        options: [option('t', 'v'.repeat(LIMITS.optionValue + 1))],
      }),
      'blocks[0].element.options[0].value',
      '> 75',
    );
    expectProblem(
      input({ type: 'static_select', action_id: 'a', options: [{ text: mdt('*a*'), value: 'a' }] }),
      'blocks[0].element.options[0].text',
      'must be plain_text',
    );
  });

  it('catches initial options that are not exactly one of the options', () => {
    const input = (element: object) => ({ blocks: [{ type: 'input', label: pt('L'), element }] });
    expectProblem(
      input({
        type: 'checkboxes',
        action_id: 'a',
        options: [option('A', 'a')],
        initial_options: [option('B', 'a')],
      }),
      'blocks[0].element.initial_options[0]',
      'not one of the options',
    );
    expectProblem(
      input({
        type: 'static_select',
        action_id: 'a',
        options: [option('A', 'a')],
        initial_option: option('A', 'b'),
      }),
      'blocks[0].element.initial_option',
      'not one of the options',
    );
  });

  it('catches button text, value and url limits, and confirm dialog limits', () => {
    const actions = (button: object) => ({ blocks: [{ type: 'actions', elements: [button] }] });
    const button = { type: 'button', action_id: 'b', text: pt('Go') };
    expectProblem(actions({ ...button, text: pt('x'.repeat(76)) }), 'blocks[0].elements[0].text', '> 75');
    expectProblem(actions({ ...button, value: 'x'.repeat(2001) }), 'blocks[0].elements[0].value', '> 2000');
    expectProblem(
      actions({ ...button, url: `https://x/${'a'.repeat(3000)}` }),
      'blocks[0].elements[0].url',
      '> 3000',
    );
    const confirm = {
      title: pt('t'.repeat(101)),
      text: pt('x'.repeat(301)),
      confirm: pt('c'.repeat(31)),
      deny: pt('d'),
    };
    const problems = validateBlocks(actions({ ...button, confirm }));
    expect(problems).toHaveLength(3);
  });

  it('catches ids: long action and block ids, duplicate block ids, duplicate action ids in one block', () => {
    expectProblem({ blocks: [section('a', 'x'.repeat(256))] }, 'blocks[0].block_id', '> 255');
    expectProblem(
      { blocks: [section('a', 'same'), section('b', 'same')] },
      'blocks[1].block_id',
      'duplicate',
    );
    const b = { type: 'button', action_id: 'dup', text: pt('Go') };
    expectProblem(
      { blocks: [{ type: 'actions', elements: [b, b] }] },
      'blocks[0].elements[1].action_id',
      'duplicate',
    );
    expectProblem(
      { blocks: [{ type: 'actions', elements: [{ ...b, action_id: 'a'.repeat(256) }] }] },
      'blocks[0].elements[0].action_id',
      '> 255',
    );
  });

  it('catches input limits: label, hint, placeholder, max_length, and too many context elements', () => {
    const input = { type: 'input', label: pt('x'.repeat(2001)), hint: pt('h'.repeat(2001)) };
    const element = {
      type: 'plain_text_input',
      action_id: 'n',
      max_length: 3001,
      placeholder: pt('p'.repeat(151)),
    };
    expect(validateBlocks({ blocks: [{ ...input, element }] })).toHaveLength(4);
    expectProblem(
      { blocks: [{ type: 'context', elements: Array.from({ length: 11 }, () => mdt('x')) }] },
      'blocks[0].elements',
      '11 elements > 10',
    );
  });

  it('reports every problem at once', () => {
    const blocks = [{ type: 'header', text: pt('x'.repeat(200)) }, section('y'.repeat(4000)), section('')];
    expect(validateBlocks({ text: 'z'.repeat(5000), blocks })).toHaveLength(4);
  });
});
