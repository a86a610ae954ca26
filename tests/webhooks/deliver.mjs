// deliver.mjs: send one GitHub webhook delivery built from @octokit/webhooks-examples, signed
// with @octokit/webhooks-methods, and print {"status":N,"body":...} on stdout.
//
//   node deliver.mjs --url URL --secret S --event push [--example N] [--repo owner/name]
//        [--ref refs/heads/main] [--after SHA] [--deleted] [--delivery ID] [--form]
//        [--tamper] [--no-signature] [--sha1-only] [--pad BYTES]
//   node deliver.mjs ... --event pull_request --action opened|reopened|synchronize|closed
//        --number N --head-sha SHA [--base-ref main] [--head-repo owner/name (a fork)]
//        [--title T] [--merged]
//   (--action picks the first example of that action, or of "opened" for synchronize, which
//   the examples lack; the fields given replace the example's)
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';
import { createHmac, randomUUID } from 'node:crypto';

// the examples are JSON that Node 20 will not import as a module without an attribute
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples');

const args = process.argv.slice(2);
const opt = {};
for (let i = 0; i < args.length; i++) {
  const k = args[i].replace(/^--/, '');
  if (['form', 'tamper', 'no-signature', 'sha1-only', 'deleted', 'merged'].includes(k)) opt[k] = true;
  else opt[k] = args[++i];
}

const family = examples.find((e) => e.name === opt.event);
if (!family) throw new Error(`no examples for ${opt.event}`);
let pick = parseInt(opt.example || '0', 10);
if (opt.action) {
  const want = opt.action === 'synchronize' ? 'opened' : opt.action;
  pick = family.examples.findIndex((e) => e.action === want);
  if (pick < 0) throw new Error(`no ${opt.event} example with action ${want}`);
}
const payload = structuredClone(family.examples[pick]);
if (opt.repo && payload.repository) {
  const [owner, name] = opt.repo.split('/');
  payload.repository.full_name = opt.repo;
  payload.repository.name = name;
  if (payload.repository.owner) payload.repository.owner.login = owner;
}
if (payload.pull_request) {
  const pr = payload.pull_request;
  if (opt.action) payload.action = opt.action;
  if (opt.number) payload.number = pr.number = parseInt(opt.number, 10);
  if (opt.title) pr.title = opt.title;
  if (opt['head-sha']) pr.head.sha = opt['head-sha'];
  if (opt['base-ref']) pr.base.ref = opt['base-ref'];
  pr.merged = !!opt.merged;
  // the base is the delivery's repository; the head is it too unless a fork is named
  pr.base.repo = structuredClone(payload.repository);
  pr.head.repo = structuredClone(payload.repository);
  if (opt['head-repo']) {
    const [owner, name] = opt['head-repo'].split('/');
    pr.head.repo.full_name = opt['head-repo'];
    pr.head.repo.name = name;
    pr.head.repo.owner = { ...pr.head.repo.owner, login: owner };
    pr.head.repo.fork = true;
  }
}
if (opt.ref) payload.ref = opt.ref;
if (opt.after) payload.after = opt.after;
if (opt.deleted) {
  payload.deleted = true;
  payload.after = '0'.repeat(40);
  payload.head_commit = null;
}
if (opt.pad) payload.padding = 'x'.repeat(parseInt(opt.pad, 10));

const json = JSON.stringify(payload);
let body = opt.form ? `payload=${encodeURIComponent(json)}` : json;
const headers = {
  'Content-Type': opt.form ? 'application/x-www-form-urlencoded' : 'application/json',
  'X-GitHub-Event': opt.event,
  'X-GitHub-Delivery': opt.delivery || randomUUID(),
  'User-Agent': 'GitHub-Hookshot/test',
};
if (opt['sha1-only']) {
  headers['X-Hub-Signature'] = 'sha1=' + createHmac('sha1', opt.secret).update(body).digest('hex');
} else if (!opt['no-signature']) {
  headers['X-Hub-Signature-256'] = await sign(opt.secret, body);
}
// One byte changed after signing: the signature must no longer match.
if (opt.tamper) body = body.replace('"ref":"', '"ref":"X');

const res = await fetch(opt.url, { method: 'POST', headers, body });
const text = await res.text();
let parsed;
try { parsed = JSON.parse(text); } catch { parsed = text; }
process.stdout.write(JSON.stringify({ status: res.status, body: parsed }) + '\n');
