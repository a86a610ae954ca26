#!/usr/bin/env node
// tests/notify/validate.js: check JSON answers against schemas of api/openapi.yaml.
//   node validate.js SPEC SCHEMA=FILE...    (e.g. NotificationList=/tmp/list.json)
// Prints one line per problem and exits 1 when any answer does not match its schema.
'use strict';
const fs = require('fs');
const SwaggerParser = require('@apidevtools/swagger-parser');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

(async () => {
  const [specPath, ...pairs] = process.argv.slice(2);
  const spec = await SwaggerParser.dereference(specPath);
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addKeyword('example').addKeyword('discriminator').addKeyword('xml').addKeyword('externalDocs');
  addFormats(ajv);
  let bad = 0;
  for (const pair of pairs) {
    const [name, file] = pair.split('=');
    const schema = spec.components.schemas[name];
    if (!schema) {
      console.log(`${name}: no such schema`);
      bad++;
      continue;
    }
    const check = ajv.compile(schema);
    const value = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!check(value)) {
      bad++;
      for (const e of check.errors) console.log(`${name} ${file}: ${e.instancePath || '(root)'} ${e.message}`);
    }
  }
  process.exit(bad ? 1 : 0);
})().catch((e) => {
  console.log(e.message);
  process.exit(2);
});
