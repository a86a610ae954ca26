#!/usr/bin/env node
// github-deployments.js: check the Deployments API calls the worker made (the fake GitHub's
// /_fake/deployments dump) against GitHub's official OpenAPI description (@octokit/openapi):
// each create body against repos/create-deployment's requestBody schema, each status body
// against repos/create-deployment-status's, each pull-request comment against
// issues/create-comment's or issues/update-comment's, with every member the schema does not name refused
// (the official schemas allow extra members; GitHub's own validation refuses them).
//
//   node github-deployments.js DUMP.json
//
// Prints TAP lines without a plan (the calling shell test counts them) and exits 1 when one fails.
'use strict';
const fs = require('fs');
const Ajv = require('ajv').default;
const spec = require('@octokit/openapi').schemas['api.github.com.deref'];

const [dumpPath] = process.argv.slice(2);
const calls = JSON.parse(fs.readFileSync(dumpPath, 'utf8'));
let n = parseInt(process.env.TAP_START || '0', 10);
let failed = 0;

function operation(id) {
  for (const ops of Object.values(spec.paths))
    for (const op of Object.values(ops)) if (op && op.operationId === id) return op;
  throw new Error(`no operation ${id} in the OpenAPI description`);
}

// The operation's request schema, closed: members it does not describe are errors.
function closed(id) {
  const schema = JSON.parse(JSON.stringify(operation(id).requestBody.content['application/json'].schema));
  schema.additionalProperties = false;
  return schema;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const check = {
  create: ajv.compile(closed('repos/create-deployment')),
  status: ajv.compile(closed('repos/create-deployment-status')),
  'comment-create': ajv.compile(closed('issues/create-comment')),
  'comment-update': ajv.compile(closed('issues/update-comment')),
};
for (const c of calls) {
  const v = check[c.kind];
  const pass = v(c.body);
  n++;
  console.log(`${pass ? 'ok' : 'not ok'} ${n} - ${c.kind} ${c.body.state || c.body.ref || c.number || c.id} follows the OpenAPI requestBody schema`);
  if (!pass) {
    failed++;
    for (const e of v.errors) console.log(`#   ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
process.exit(failed ? 1 : 0);
