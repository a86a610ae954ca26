// envedit.js: the env editor. Stored values are never shown (the API masks them as ********):
// a stored name shows "stored, hidden"; leaving its value empty keeps it, typing replaces it,
// Remove drops it. values() answers the map the API takes (the whole set on PATCH).
import { h, nextId } from './dom.js';

export const MASK = '********';

export function envEditor(stored) {
  const rows = h('div', { class: 'env-rows' });
  const box = h('fieldset', { class: 'env field', dataset: { field: 'env' } },
    h('legend', {}, 'Environment variables'),
    h('p', { class: 'hint' }, 'Values are stored encrypted and never shown again, not even here.'),
    rows,
    h('p', { class: 'field-error', id: nextId('env-err'), hidden: true }));
  function row(name, isStored) {
    const n = h('input', { class: 'env-name', value: name || '', placeholder: 'NAME', autocomplete: 'off',
      pattern: '[A-Za-z_][A-Za-z0-9_]*', 'aria-label': 'Variable name', readonly: isStored || null });
    const v = h('input', { class: 'env-value', type: 'password', autocomplete: 'new-password',
      placeholder: isStored ? 'stored, hidden: type to replace' : 'value', 'aria-label': `Value of ${name || 'the new variable'}` });
    n.addEventListener('input', () => v.setAttribute('aria-label', `Value of ${n.value || 'the new variable'}`));
    const r = h('div', { class: 'env-row', dataset: { stored: isStored ? '1' : '' } }, n, v);
    r.append(h('button', { type: 'button', class: 'small', 'aria-label': `Remove ${name || 'this variable'}`,
      onclick: () => { r.remove(); } }, 'Remove'));
    rows.append(r);
    return n;
  }
  for (const name of Object.keys(stored || {})) row(name, true);
  const addBtn = h('button', { type: 'button', class: 'small', onclick: () => row('', false).focus() }, 'Add variable');
  box.insertBefore(addBtn, box.lastChild);
  return {
    el: box,
    values() {
      const out = {};
      for (const r of rows.querySelectorAll('.env-row')) {
        const name = r.querySelector('.env-name').value.trim();
        const value = r.querySelector('.env-value').value;
        if (!name) continue;
        out[name] = r.dataset.stored && value === '' ? MASK : value;
      }
      return out;
    },
  };
}
