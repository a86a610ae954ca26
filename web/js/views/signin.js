// signin.js: /signin (GitHub, or the one-time link of `platformctl signin-link` whose code rides
// in the URL fragment) and /signin/github (GitHub's OAuth redirect back, with code and state).
import { api } from '../api.js';
import { h, busy, formError, showError } from '../dom.js';
import { navigate, signedIn } from '../app.js';

function next() {
  const n = sessionStorage.getItem('platform.next');
  sessionStorage.removeItem('platform.next');
  return n && n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/signin') ? n : '/';
}

export async function signinView(_, { view }) {
  const code = new URLSearchParams(location.hash.slice(1)).get('code');
  // the code is single-use: out of the address bar and history at once
  if (location.hash) history.replaceState(null, '', '/signin');
  const form = h('form', { class: 'card narrow', onsubmit: (e) => e.preventDefault() });
  const gh = h('button', { type: 'button', class: 'primary', id: 'signin-github' }, 'Sign in with GitHub');
  gh.addEventListener('click', () => busy(gh, 'Opening GitHub…', async () => {
    try {
      const r = await api('GET', '/api/auth/github/login');
      sessionStorage.setItem('platform.oauth_state', r.state);
      location.assign(r.authorize_url);
    } catch (e) { showError(form, e); }
  }));
  form.append(
    h('h1', {}, 'Sign in'),
    formError(),
    h('p', {}, 'Deploy your GitHub repositories: sign in with your GitHub account.'),
    gh,
    h('p', { class: 'hint' }, 'On a local stack, run ', h('code', {}, 'platformctl signin-link LOGIN'),
      ' and open the link it prints: it signs you in once, within a few minutes.'));
  view.replaceChildren(form);
  if (!code) return;
  const status = h('p', { role: 'status', class: 'progress' }, 'Signing you in…');
  form.insertBefore(status, form.children[1]);
  try {
    const r = await api('POST', '/api/auth/local', { code });
    signedIn(r.user);
    navigate(next(), { replace: true });
  } catch (e) {
    status.remove();
    showError(form, e);
  }
}

export async function githubCallbackView(_, { view }) {
  const p = new URLSearchParams(location.search);
  const form = h('div', { class: 'card narrow' }, h('h1', {}, 'Signing in with GitHub'), formError(),
    h('p', { role: 'status', class: 'progress' }, 'Finishing the sign-in…'));
  view.replaceChildren(form);
  history.replaceState(null, '', '/signin/github');
  const expected = sessionStorage.getItem('platform.oauth_state');
  sessionStorage.removeItem('platform.oauth_state');
  try {
    if (p.get('error')) throw { message: `GitHub said: ${p.get('error_description') || p.get('error')}` };
    if (!p.get('code') || !p.get('state')) throw { message: 'GitHub sent no code back; start the sign-in again' };
    if (expected && expected !== p.get('state')) throw { message: 'this sign-in was not started in this tab; start it again' };
    const r = await api('POST', '/api/auth/github/callback', { code: p.get('code'), state: p.get('state') });
    signedIn(r.user);
    navigate(next(), { replace: true });
  } catch (e) {
    form.querySelector('.progress').remove();
    showError(form, e);
    form.append(h('p', {}, h('a', { href: '/signin', 'data-link': true }, 'Back to sign-in')));
  }
}
