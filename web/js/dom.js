// dom.js: small helpers to build the page without innerHTML (no markup from data, ever).

// h('a', {href, class: 'x', onclick}, 'text', child...): an element; null/false children skipped
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let uid = 0;
export const nextId = (p) => `${p}-${++uid}`;

// A labelled field: the input, its hint and the slot where an API error for `name` goes.
export function field(label, input, hint) {
  const id = input.id || (input.id = nextId('f'));
  const errId = `${id}-err`;
  const hintId = hint ? `${id}-hint` : null;
  input.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
  return h('div', { class: 'field', dataset: { field: input.name || '' } },
    h('label', { for: id }, label),
    input,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errId, hidden: true }));
}

// Show an API error in a form: next to the input of its `field` when there is one, else at
// the top of the form. The input gets aria-invalid and the focus.
export function showError(form, err) {
  clearErrors(form);
  const name = err.field ? String(err.field).split(/[.[]/)[0] : null;
  const box = name ? form.querySelector(`.field[data-field="${CSS.escape(name)}"]`) : null;
  const msg = `${err.message}`;
  if (box) {
    const p = box.querySelector('.field-error');
    p.textContent = msg;
    p.hidden = false;
    const input = box.querySelector('input, select, textarea');
    if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
  }
  const top = form.querySelector('.form-error');
  if (top) {
    top.textContent = box ? `${msg} (${err.field})` : msg;
    top.hidden = false;
    if (!box) top.focus();
  }
}

export function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) { p.hidden = true; p.textContent = ''; }
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  const top = form.querySelector('.form-error');
  if (top) { top.hidden = true; top.textContent = ''; }
}

export const formError = () => h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true });

// Run a slow action with the button busy (disabled, a spinner, aria-busy) and say when done.
export async function busy(button, label, fn) {
  const old = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.classList.add('busy');
  button.textContent = label;
  announce(label);
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.classList.remove('busy');
    button.textContent = old;
  }
}

// The polite live region of the page (index.html #announce).
export function announce(text) {
  const el = document.getElementById('announce');
  if (!el) return;
  el.textContent = '';
  setTimeout(() => { el.textContent = text; }, 30);
}

// A message banner at the top of the main area: kind 'ok' or 'error'.
export function banner(kind, text) {
  const el = document.getElementById('banner');
  el.className = `banner ${kind}`;
  el.textContent = text;
  el.hidden = false;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}
export function clearBanner() {
  const el = document.getElementById('banner');
  el.hidden = true;
  el.textContent = '';
}

export function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return h('time', { datetime: iso, title: iso }, d.toLocaleString());
}

export function ago(iso) {
  if (!iso) return '';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.max(s, 0)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function badge(state) {
  return h('span', { class: `badge state-${state || 'none'}` }, state || 'never deployed');
}

export async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    // no clipboard permission (http, old browser): select a hidden field and copy that
    const t = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' }, text);
    document.body.append(t);
    t.select();
    document.execCommand('copy');
    t.remove();
  }
  if (button) {
    const old = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = old; }, 1500);
  }
  announce(`copied ${text}`);
}
