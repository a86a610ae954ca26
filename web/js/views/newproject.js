// newproject.js: /w/{ws}/new: a repository (picked from GitHub or typed), branch, name (its rule
// explained as it is typed), port, custom domain, env and auto-deploy; then the project page.
import { api, q, enc } from '../api.js';
import { h, field, busy, formError, showError, clearErrors } from '../dom.js';
import { navigate } from '../app.js';
import { nameProblems, suggestName } from '../naming.js';
import { envEditor } from '../envedit.js';

const FRAMEWORKS = ['auto', 'nextjs', 'node', 'static', 'django', 'flask', 'fastapi', 'go', 'dockerfile'];

export async function newProjectView([ws], { view, me, setWorkspace }) {
  const w = await api('GET', `/api/workspaces/${enc(ws)}`);
  setWorkspace(ws);
  const repo = h('input', { name: 'repo_url', required: true, autocomplete: 'off', inputmode: 'url',
    placeholder: 'https://github.com/owner/repository' });
  const picker = h('select', { id: 'repo-picker', 'aria-label': 'Your GitHub repositories', disabled: true },
    h('option', { value: '' }, 'Loading your GitHub repositories…'));
  const pickerNote = h('p', { class: 'hint', id: 'repo-picker-note', role: 'status' });
  const branch = h('input', { name: 'branch', value: 'main', required: true, autocomplete: 'off' });
  const name = h('input', { name: 'name', required: true, maxlength: 40, autocomplete: 'off', spellcheck: 'false' });
  const nameRule = h('p', { class: 'hint rule', id: 'name-rule', 'aria-live': 'polite' });
  const port = h('input', { name: 'port', type: 'number', min: 1, max: 65535, value: 3000, inputmode: 'numeric' });
  const framework = h('select', { name: 'framework' }, FRAMEWORKS.map((f) => h('option', { value: f }, f)));
  const domain = h('input', { name: 'custom_domain', autocomplete: 'off', placeholder: 'www.example.com', inputmode: 'url' });
  const domainNote = h('p', { class: 'hint', id: 'domain-note' });
  const auto = h('input', { name: 'auto_deploy', type: 'checkbox' });
  const env = envEditor({});
  let nameTouched = false, repos = [];

  function explainName() {
    const p = nameProblems(name.value);
    const host = name.value && !p.length ? `${name.value}-${me.id}.<platform domain>` : null;
    nameRule.textContent = p.length
      ? `Name rule: a DNS label of 1 to 32 lower-case letters, digits and "-", starting with a letter. Now: ${p.join('; ')}.`
      : `Good: the app will be served at ${host}. A name never changes.`;
    nameRule.classList.toggle('bad', p.length > 0);
  }
  function explainDomain() {
    const d = domain.value.trim();
    domainNote.textContent = d
      ? `After creating, add a DNS record for ${d}: CNAME to the project's generated host (shown on the project page), so the platform's ingress answers for it.`
      : 'Optional. Not under the platform domain; one project per domain.';
  }
  name.addEventListener('input', () => { nameTouched = true; explainName(); });
  domain.addEventListener('input', explainDomain);
  repo.addEventListener('input', () => {
    if (!nameTouched) { name.value = suggestName(repo.value.split('/').filter(Boolean).pop()); explainName(); }
  });
  picker.addEventListener('change', () => {
    const r = repos.find((x) => x.full_name === picker.value);
    if (!r) return;
    repo.value = r.html_url || r.clone_url || '';
    if (r.default_branch) branch.value = r.default_branch;
    if (!nameTouched) name.value = suggestName(r.name);
    explainName();
  });
  explainName();
  explainDomain();

  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-title' },
    formError(),
    h('div', { class: 'field' }, h('label', { for: 'repo-picker' }, 'Pick a repository'), picker, pickerNote),
    field('Repository URL', repo, 'Or type it: the GitHub address of the repository.'),
    field('Branch', branch, 'Deploys build this branch.'),
    field('Name', name),
    nameRule,
    field('Port', port, 'The port your app listens on inside its container.'),
    field('Framework', framework, '"auto" detects it from the repository (package.json, requirements.txt, go.mod, Dockerfile, index.html...).'),
    field('Custom domain', domain),
    domainNote,
    env.el,
    h('div', { class: 'field check', dataset: { field: 'auto_deploy' } },
      auto, h('label', { for: auto.id || (auto.id = 'auto-deploy') }, 'Deploy on every push to the branch'),
      h('p', { class: 'field-error', hidden: true })),
    h('button', { type: 'submit', class: 'primary' }, 'Create project'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { name: name.value.trim(), repo_url: repo.value.trim(), branch: branch.value.trim(),
      port: port.value === '' ? undefined : Number(port.value), framework: framework.value,
      custom_domain: domain.value.trim() || null, auto_deploy: auto.checked, env: env.values() };
    busy(form.querySelector('button[type=submit]'), 'Creating…', async () => {
      try {
        const p = await api('POST', `/api/workspaces/${enc(ws)}/projects`, body);
        navigate(`/projects/${p.id}`);
      } catch (err) { showError(form, err); }
    });
  });
  view.replaceChildren(h('h1', { id: 'new-title' }, `New project in ${w.name}`), form);

  // the picker fills in when GitHub answers; a user without a stored GitHub token types a URL
  try {
    const r = await api('GET', q('/api/github/repos', { limit: 100 }));
    repos = r.items.filter((x) => x.full_name);
    picker.replaceChildren(h('option', { value: '' }, repos.length ? 'Choose…' : 'No repositories found'),
      ...repos.map((x) => h('option', { value: x.full_name }, `${x.full_name}${x.private ? ' (private)' : ''}`)));
    picker.disabled = !repos.length;
  } catch (err) {
    picker.replaceChildren(h('option', { value: '' }, 'Not available'));
    pickerNote.textContent = `Your GitHub repositories cannot be listed (${err.message}). Type the repository URL below.`;
  }
}
