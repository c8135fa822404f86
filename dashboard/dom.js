// DOM helpers. Every text that comes from Serval (names, tags, log lines) goes through
// textContent: nothing here ever parses data as HTML.

// An element: h('td', {class: 'text', dataset: {col: 'name'}}, 'text', child, ...).
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// A table: columns [{key, label, text?: bool, format?: fn(row) -> string|Node}].
export function table(columns, rows, rowAttributes = () => ({})) {
  return h('table', {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', c.text ? { class: 'text' } : {}, c.label)))),
    h('tbody', {}, rows.map((row) => h('tr', rowAttributes(row), columns.map((c) => h('td',
      { ...(c.text ? { class: 'text' } : {}), dataset: { col: c.key } },
      c.format ? c.format(row) : row[c.key]))))));
}

export function cards(items) {
  return h('div', { class: 'cards' }, items.map(([key, label, value]) => h('div',
    { class: 'card' }, h('div', { class: 'label' }, label),
    h('div', { class: 'value', dataset: { stat: key } }, value))));
}

export const count = (n) => (n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));
export const ms = (n) => (n === null || n === undefined ? '–' : `${n.toFixed(n < 10 ? 2 : 1)} ms`);
export const mb = (n) => (n === null || n === undefined ? '–' : `${Math.round(n)} MB`);
export const percent = (n) => (n === null || n === undefined ? '–' : `${(n * 100).toFixed(1)} %`);
export const gbs = (n) => (n === null || n === undefined ? '–' : n.toPrecision(4));
export function usd(n) {
  if (n === null || n === undefined) return '–';
  if (n >= 0.01 || n <= 0) return `$${n.toFixed(2)}`;
  // Small amounts with three significant digits, never in exponent notation.
  return `$${n.toFixed(Math.min(12, Math.ceil(-Math.log10(n)) + 2))}`;
}
export const time = (millis) => new Date(millis).toLocaleString();
