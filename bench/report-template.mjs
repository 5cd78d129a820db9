// Fills a text template, such as bench/BENCHMARKS.template.md, with figures:
// `{{path}}` and `{{path | format}}` placeholders, `{{#if path}}` …
// `{{else}}` … `{{/if}}` and `{{#each path as name}}` … `{{/each}}` blocks;
// the template's opening comment documents them for its editors. Anything
// it cannot fill throws an error that names the placeholder and its line.

const NAME = /^[A-Za-z_][\w-]*$/;
const PATH = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/;
const BLOCK = /^(#if\s|#each\s|else$|\/if$|\/each$)/;

/** The text after the template's opening `<!-- … -->` comment and the line breaks after it. */
function stripOpeningComment(text) {
  if (!text.startsWith('<!--')) return { body: text, offset: 0 };
  const end = text.indexOf('-->');
  if (end < 0) throw new Error('the opening <!-- comment of the template is never closed');
  let offset = end + 3;
  while (text[offset] === '\n') offset += 1;
  return { body: text.slice(offset), offset };
}

/** Text and tags; a block tag alone on its line takes the whole line with it. */
function tokenize(body, where) {
  const tokens = [];
  let last = 0;
  const text = (from, to) => {
    const value = body.slice(from, to);
    const stray = value.search(/\{\{|\}\}/);
    if (stray >= 0) {
      const near = value.slice(Math.max(0, stray - 20), stray + 20).replace(/\n/g, ' ');
      throw new Error(`${where(from + stray)}: unclosed placeholder near "${near}"`);
    }
    if (value) tokens.push({ type: 'text', value });
  };
  for (const match of body.matchAll(/\{\{([^{}]*)\}\}/g)) {
    const inner = match[1].trim();
    let start = match.index;
    let end = start + match[0].length;
    if (BLOCK.test(inner)) {
      const lineStart = body.lastIndexOf('\n', start - 1) + 1;
      const newline = body.indexOf('\n', end);
      const lineEnd = newline < 0 ? body.length : newline;
      if (
        /^[ \t]*$/.test(body.slice(lineStart, start)) &&
        /^[ \t]*$/.test(body.slice(end, lineEnd))
      ) {
        start = lineStart;
        end = newline < 0 ? body.length : newline + 1;
      }
    }
    text(last, start);
    tokens.push({ type: 'tag', inner, at: where(match.index) });
    last = end;
  }
  text(last, body.length);
  return tokens;
}

/** The tree of blocks; each node knows the line it came from. */
function parse(tokens) {
  const root = { kind: null, body: [] };
  const stack = [root];
  for (const token of tokens) {
    const top = stack.at(-1);
    if (token.type === 'text') {
      top.body.push(token);
      continue;
    }
    const { inner, at } = token;
    const unknown = () => new Error(`${at}: unknown placeholder {{${inner}}}`);
    let m;
    if ((m = /^#if\s+(\S+)$/.exec(inner))) {
      if (!PATH.test(m[1])) throw unknown();
      const node = { type: 'if', path: m[1], inner, at, then: [], otherwise: [] };
      top.body.push(node);
      stack.push({ kind: 'if', node, body: node.then });
    } else if (
      (m = /^#each\s+(\S+)\s+as\s+(\S+)(?:\s+joined\s+("(?:[^"\\]|\\.)*"))?$/.exec(inner))
    ) {
      if (!PATH.test(m[1]) || !NAME.test(m[2])) throw unknown();
      const joined = m[3] ? JSON.parse(m[3]) : '';
      const node = { type: 'each', path: m[1], name: m[2], joined, inner, at, body: [] };
      top.body.push(node);
      stack.push({ kind: 'each', node, body: node.body });
    } else if (inner === 'else') {
      if (top.kind !== 'if' || top.body === top.node.otherwise) {
        throw new Error(`${at}: {{else}} outside an {{#if}}`);
      }
      top.body = top.node.otherwise;
    } else if (inner === '/if' || inner === '/each') {
      if (top.kind !== inner.slice(1)) {
        throw new Error(
          `${at}: {{${inner}}} closes ${top.kind ? `an {{#${top.kind}}}` : 'nothing'}`,
        );
      }
      stack.pop();
    } else if ((m = /^([^\s|]+)(?:\s*\|\s*(\S+))?$/.exec(inner)) && PATH.test(m[1])) {
      top.body.push({ type: 'value', path: m[1], format: m[2] ?? null, inner, at });
    } else {
      throw unknown();
    }
  }
  if (stack.length > 1) {
    const { node } = stack.at(-1);
    throw new Error(`${node.at}: {{${node.inner}}} is never closed`);
  }
  return root.body;
}

/** Stands for a value that a part not shown this time cannot know (an item of an empty list). */
const UNKNOWN = Symbol('unknown');

/**
 * The value at `path`, looked up from the innermost `{{#each}}` name
 * outwards. `lenient`, for the parts not shown: UNKNOWN past a null or an
 * UNKNOWN, but still an error for a name that the value at hand lacks.
 */
function lookup(path, scopes, node, lenient = false) {
  const [first, ...rest] = path.split('.');
  const scope = scopes.findLast((s) => Object.hasOwn(s, first));
  if (!scope) throw new Error(`${node.at}: unknown placeholder {{${node.inner}}}`);
  let value = scope[first];
  let walked = first;
  for (const key of rest) {
    if (lenient && (value === null || value === UNKNOWN)) return UNKNOWN;
    if (value === null || typeof value !== 'object') {
      throw new Error(`${node.at}: no value for {{${node.inner}}}: ${walked} is ${value}`);
    }
    if (!Object.hasOwn(value, key)) {
      throw new Error(`${node.at}: unknown placeholder {{${node.inner}}}`);
    }
    value = value[key];
    walked += `.${key}`;
  }
  if (value === undefined) throw new Error(`${node.at}: no value for {{${node.inner}}}`);
  return value;
}

function formatOf(node, formats) {
  const format = formats[node.format];
  if (!format) throw new Error(`${node.at}: unknown format in {{${node.inner}}}`);
  return format;
}

/** The parts not shown this time: their names and formats must exist all the same. */
function check(nodes, scopes, formats) {
  for (const node of nodes) {
    if (node.type === 'text') continue;
    const value = lookup(node.path, scopes, node, true);
    if (node.type === 'value' && node.format !== null) formatOf(node, formats);
    if (node.type === 'if') {
      check(node.then, scopes, formats);
      check(node.otherwise, scopes, formats);
    } else if (node.type === 'each') {
      if (value !== null && value !== UNKNOWN && !Array.isArray(value)) {
        throw new Error(`${node.at}: {{#each ${node.path}}} is not a list`);
      }
      const items = Array.isArray(value) && value.length > 0 ? value : [UNKNOWN];
      for (const item of items) check(node.body, [...scopes, { [node.name]: item }], formats);
    }
  }
}

function render(nodes, scopes, formats) {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') {
      out += node.value;
    } else if (node.type === 'value') {
      const value = lookup(node.path, scopes, node);
      if (node.format !== null) {
        out += formatOf(node, formats)(value);
      } else if (
        typeof value === 'string' ||
        (typeof value === 'number' && Number.isFinite(value))
      ) {
        out += String(value);
      } else {
        const what = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
        throw new Error(`${node.at}: no text for {{${node.inner}}}: its value is ${what}`);
      }
    } else if (node.type === 'if') {
      const value = lookup(node.path, scopes, node);
      const empty =
        value === false ||
        value === null ||
        value === '' ||
        (Array.isArray(value) && !value.length);
      out += render(empty ? node.otherwise : node.then, scopes, formats);
      check(empty ? node.then : node.otherwise, scopes, formats);
    } else {
      const list = lookup(node.path, scopes, node);
      if (!Array.isArray(list)) throw new Error(`${node.at}: {{#each ${node.path}}} is not a list`);
      if (list.length === 0) check(node.body, [...scopes, { [node.name]: UNKNOWN }], formats);
      out += list
        .map((item) => render(node.body, [...scopes, { [node.name]: item }], formats))
        .join(node.joined);
    }
  }
  return out;
}

/**
 * `template` with its placeholders filled from `context`; `formats` are the
 * named formats of `{{path | format}}`, `source` names the template in errors.
 */
export function fillTemplate(template, context, { formats = {}, source = 'template' } = {}) {
  const { body, offset } = stripOpeningComment(template);
  const where = (index) => `${source}:${template.slice(0, offset + index).split('\n').length}`;
  return render(parse(tokenize(body, where)), [context], formats);
}
