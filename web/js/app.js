// app.js: the console's shell: the router (real paths, History API), the header with the
// workspace switcher and the signed-in user, and the views. Each view is a function
// (params, ctx) that fills ctx.view and may return a dispose function (sockets, timers).
import { api, setSignedOutHandler } from './api.js';
import { h, clearBanner, announce } from './dom.js';
import { signinView, githubCallbackView } from './views/signin.js';
import { workspacesView, membersView, auditView } from './views/workspaces.js';
import { projectsView } from './views/projects.js';
import { newProjectView } from './views/newproject.js';
import { projectView } from './views/project.js';
import { deploymentView } from './views/deployment.js';
import { notificationsView } from './views/notifications.js';

const routes = [
  [/^\/signin\/?$/, signinView, { public: true }],
  [/^\/signin\/github\/?$/, githubCallbackView, { public: true }],
  [/^\/workspaces\/?$/, workspacesView],
  [/^\/w\/([a-z0-9-]+)\/?$/, projectsView],
  [/^\/w\/([a-z0-9-]+)\/new\/?$/, newProjectView],
  [/^\/w\/([a-z0-9-]+)\/members\/?$/, membersView],
  [/^\/w\/([a-z0-9-]+)\/audit\/?$/, auditView],
  [/^\/w\/([a-z0-9-]+)\/notifications\/?$/, notificationsView],
  [/^\/projects\/([0-9a-f-]{36})\/?$/, projectView],
  [/^\/deployments\/([0-9a-f-]{36})\/?$/, deploymentView],
];

const state = { me: null, workspaces: null, dispose: null };
const WS_KEY = 'platform.workspace';

export function currentWorkspace() { return localStorage.getItem(WS_KEY); }
export function setCurrentWorkspace(id) { if (id) localStorage.setItem(WS_KEY, id); }

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

export async function loadWorkspaces(force) {
  if (!state.workspaces || force) state.workspaces = (await api('GET', '/api/workspaces?limit=100')).items;
  return state.workspaces;
}

export function signedIn(me) { state.me = me; state.workspaces = null; }

function header(wsId) {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  nav.replaceChildren();
  who.replaceChildren();
  if (!state.me) return;
  const ws = (state.workspaces || []).find((w) => w.id === wsId);
  if (state.workspaces && state.workspaces.length) {
    const sel = h('select', { id: 'ws-switch', 'aria-label': 'Workspace',
      onchange: (e) => { setCurrentWorkspace(e.target.value); navigate(`/w/${e.target.value}`); } },
    state.workspaces.map((w) => h('option', { value: w.id, selected: w.id === wsId }, `${w.name} (${w.role})`)));
    nav.append(sel);
  }
  if (ws) {
    nav.append(
      h('a', { href: `/w/${ws.id}`, 'data-link': true }, 'Projects'),
      h('a', { href: `/w/${ws.id}/members`, 'data-link': true }, 'Members'),
      h('a', { href: `/w/${ws.id}/notifications`, 'data-link': true }, 'Notifications'),
      h('a', { href: `/w/${ws.id}/audit`, 'data-link': true }, 'Audit'));
  }
  nav.append(h('a', { href: '/workspaces', 'data-link': true }, 'Workspaces'));
  who.append(h('span', { class: 'login' }, state.me.login),
    h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'));
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === location.pathname) a.setAttribute('aria-current', 'page');
  }
}

async function signOut() {
  try { await api('POST', '/api/auth/logout', {}); } catch (e) { /* signed out either way */ }
  state.me = null;
  navigate('/signin');
}

async function render() {
  if (state.dispose) { try { state.dispose(); } catch (e) { /* a view's own clean-up */ } }
  state.dispose = null;
  clearBanner();
  // each render writes into its own element: one overtaken by a newer navigation (a slow
  // answer) fills a detached node and is disposed of, never the page the user is on now
  const seq = ++render.seq;
  const view = h('div');
  document.getElementById('view').replaceChildren(view);
  const path = location.pathname;
  let match = null, fn = null, opts = {};
  for (const [re, f, o] of routes) {
    const m = re.exec(path);
    if (m) { match = m; fn = f; opts = o || {}; break; }
  }
  if (!opts.public && !state.me) {
    try {
      state.me = await api('GET', '/api/me');
    } catch (e) {
      if (e.status === 401) return; // the signed-out handler moved us to /signin
      view.replaceChildren(h('p', { class: 'banner error', role: 'alert' }, e.message));
      return;
    }
  }
  if (path === '/' || !fn) {
    if (!fn && path !== '/') {
      view.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, 'No page here. ', h('a', { href: '/', 'data-link': true }, 'Go to your projects')));
      return;
    }
    const list = await loadWorkspaces();
    const keep = list.find((w) => w.id === currentWorkspace()) || list[0];
    navigate(keep ? `/w/${keep.id}` : '/workspaces', { replace: true });
    return;
  }
  const ctx = { view, me: state.me, navigate, api };
  view.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  let wsId = /^\/w\/([a-z0-9-]+)/.exec(path)?.[1] || null;
  try {
    if (!opts.public) await loadWorkspaces();
    if (seq !== render.seq) return;
    ctx.setWorkspace = (id) => { setCurrentWorkspace(id); header(id); };
    if (wsId) setCurrentWorkspace(wsId);
    header(wsId || currentWorkspace());
    const dispose = (await fn(match.slice(1), ctx)) || null;
    if (seq !== render.seq) { if (dispose) dispose(); return; }
    state.dispose = dispose;
  } catch (e) {
    if (e.status === 401 || seq !== render.seq) return;
    view.replaceChildren(h('h1', {}, e.status === 404 ? 'Not found' : 'Something went wrong'),
      h('p', { class: 'banner error', role: 'alert' }, e.message));
  }
  const h1 = view.querySelector('h1');
  document.title = h1 ? `${h1.textContent} · Platform` : 'Platform console';
  // focus moves to the new content, so a screen reader reads the page that opened
  if (render.count++) document.getElementById('main').focus({ preventScroll: true });
  announce(document.title);
}
render.count = 0;
render.seq = 0;

setSignedOutHandler(() => {
  state.me = null;
  if (!location.pathname.startsWith('/signin')) {
    sessionStorage.setItem('platform.next', location.pathname + location.search);
    navigate('/signin', { replace: true });
  }
});

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-link]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', render);
render();
