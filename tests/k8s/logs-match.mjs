// logs-match.mjs: compare stored build logs with what the fake Jenkins printed, byte for byte.
//
//   psql -At -F ' ' -c "SELECT id, encode(convert_to(log, 'UTF8'), 'base64') ..." | node logs-match.mjs FAKE_URL
//
// stdin: one line per deployment, "<id> <base64 of the stored log>" (base64 may be empty).
// Fetches GET FAKE_URL/_fake/log/<id> for each (8 at a time) and prints one JSON line:
// {"checked":N,"mismatched":[{"id","want","got"}]}.
import { createInterface } from 'node:readline';

const fake = process.argv[2];
const rows = [];
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const [id, b64 = ''] = line.split(' ');
  rows.push({ id, got: Buffer.from(b64.replace(/\s+/g, ''), 'base64') });
}
const out = { checked: 0, mismatched: [] };
let next = 0;
async function one() {
  while (next < rows.length) {
    const r = rows[next++];
    const res = await fetch(`${fake}/_fake/log/${r.id}`);
    const want = Buffer.from(await res.arrayBuffer());
    out.checked++;
    if (res.status !== 200 || !want.equals(r.got)) out.mismatched.push({ id: r.id, want: want.length, got: r.got.length });
  }
}
await Promise.all(Array.from({ length: 8 }, one));
process.stdout.write(JSON.stringify(out) + '\n');
