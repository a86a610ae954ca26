// workspaces.js: /workspaces (mine with my role: switch, create), /w/{ws}/members (roles, add,
// remove) and /w/{ws}/audit (who changed what, when).
import { api, q, enc } from '../api.js';
import { h, field, busy, formError, showError, clearErrors, time, banner } from '../dom.js';
import { navigate, loadWorkspaces, setCurrentWorkspace } from '../app.js';

const ROLES = ['viewer', 'developer', 'admin', 'owner'];

export async function workspacesView(_, { view }) {
  const list = await loadWorkspaces(true);
  const name = h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, 'New workspace'), formError(),
    field('Name', name, 'Shown to members; 1 to 100 characters. You become its owner.'),
    h('button', { type: 'submit', class: 'primary' }, 'Create workspace'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    busy(form.querySelector('button'), 'Creating…', async () => {
      try {
        const w = await api('POST', '/api/workspaces', { name: name.value });
        await loadWorkspaces(true);
        setCurrentWorkspace(w.id);
        navigate(`/w/${w.id}`);
      } catch (err) { showError(form, err); }
    });
  });
  view.replaceChildren(
    h('h1', {}, 'Workspaces'),
    h('ul', { class: 'cards', 'aria-label': 'Your workspaces' }, list.map((w) => h('li', { class: 'card row' },
      h('div', {}, h('a', { href: `/w/${w.id}`, 'data-link': true, class: 'title' }, w.name),
        h('p', { class: 'meta' }, `id ${w.id} · your role: ${w.role}`, w.personal ? ' · personal' : '')),
      h('a', { href: `/w/${w.id}`, 'data-link': true, class: 'button', 'aria-label': `Switch to ${w.name}` }, 'Switch')))),
    form);
}

export async function membersView([ws], { view, me }) {
  const w = await api('GET', `/api/workspaces/${enc(ws)}`);
  const mine = w.role;
  const canManage = mine === 'admin' || mine === 'owner';
  const tbody = h('tbody');
  const table = h('table', {}, h('caption', { class: 'offscreen' }, 'Members'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Login'), h('th', { scope: 'col' }, 'Role'),
      h('th', { scope: 'col' }, 'Since'), h('th', { scope: 'col' }, h('span', { class: 'offscreen' }, 'Actions')))),
    tbody);
  const tableErr = formError();
  async function load() {
    const r = await api('GET', `/api/workspaces/${enc(ws)}/members?limit=100`);
    tbody.replaceChildren(...r.items.map((m) => {
      const sel = h('select', { 'aria-label': `Role of ${m.user.login}`, disabled: !canManage },
        ROLES.map((x) => h('option', { value: x, selected: x === m.role }, x)));
      sel.addEventListener('change', async () => {
        try {
          await api('PATCH', `/api/workspaces/${enc(ws)}/members/${enc(m.user.login)}`, { role: sel.value });
          banner('ok', `${m.user.login} is now ${sel.value}`);
        } catch (err) { tableErr.hidden = false; tableErr.textContent = err.message; sel.value = m.role; }
      });
      const rm = h('button', { type: 'button', class: 'danger small' },
        m.user.id === me.id ? 'Leave' : 'Remove');
      rm.addEventListener('click', () => busy(rm, 'Removing…', async () => {
        try {
          await api('DELETE', `/api/workspaces/${enc(ws)}/members/${enc(m.user.login)}`);
          if (m.user.id === me.id) { await loadWorkspaces(true); navigate('/workspaces'); return; }
          await load();
        } catch (err) { tableErr.hidden = false; tableErr.textContent = err.message; }
      }));
      return h('tr', {}, h('td', {}, m.user.login, m.user.name ? h('span', { class: 'meta' }, ` ${m.user.name}`) : null),
        h('td', {}, sel), h('td', {}, time(m.created_at)),
        h('td', {}, canManage || m.user.id === me.id ? rm : null));
    }));
  }
  await load();
  const login = h('input', { name: 'login', required: true, maxlength: 39, autocomplete: 'off' });
  const role = h('select', { name: 'role' }, ROLES.map((x) => h('option', { value: x, selected: x === 'developer' }, x)));
  const form = h('form', { class: 'card', novalidate: true }, h('h2', {}, 'Add a member'), formError(),
    field('GitHub login', login, 'Someone who has signed in here once.'),
    field('Role', role, 'Viewers read; developers also deploy and roll back; admins manage projects and members; owners everything.'),
    h('button', { type: 'submit', class: 'primary' }, 'Add member'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    busy(form.querySelector('button'), 'Adding…', async () => {
      try {
        await api('POST', `/api/workspaces/${enc(ws)}/members`, { login: login.value.trim(), role: role.value });
        login.value = '';
        banner('ok', 'Member added');
        await load();
      } catch (err) { showError(form, err); }
    });
  });
  view.replaceChildren(h('h1', {}, `Members of ${w.name}`), tableErr, h('div', { class: 'scroll-x' }, table),
    canManage ? form : h('p', { class: 'hint' }, `Your role is ${mine}: admins and owners manage members.`));
}

export async function auditView([ws], { view }) {
  const w = await api('GET', `/api/workspaces/${enc(ws)}`);
  const tbody = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, 'Show older');
  let cursor = null;
  async function page() {
    const r = await api('GET', q(`/api/workspaces/${enc(ws)}/audit`, { limit: 50, cursor }));
    for (const a of r.items) {
      tbody.append(h('tr', {}, h('td', {}, time(a.created_at)), h('td', {}, a.actor.login || '(gone)'),
        h('td', {}, h('code', {}, a.action)), h('td', {}, [a.target_type, a.target_id].filter(Boolean).join(' ')),
        h('td', { class: 'details' }, Object.keys(a.details || {}).length ? JSON.stringify(a.details) : ''),
        h('td', {}, h('code', { class: 'meta' }, a.request_id || ''))));
    }
    cursor = r.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener('click', () => busy(more, 'Loading…', page));
  view.replaceChildren(h('h1', {}, `Audit of ${w.name}`),
    h('p', { class: 'hint' }, 'Every change in this workspace: who, what, when, and the request id to find it in the logs.'),
    h('div', { class: 'scroll-x' }, h('table', {}, h('caption', { class: 'offscreen' }, 'Audit log'),
      h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'Target', 'Details', 'Request id'].map((c) => h('th', { scope: 'col' }, c)))),
      tbody)), more);
  try {
    await page();
  } catch (e) {
    if (e.status !== 403) throw e;
    view.append(h('p', { class: 'banner error', role: 'alert' }, e.message));
  }
}
