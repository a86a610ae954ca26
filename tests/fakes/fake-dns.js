#!/usr/bin/env node
// fake-dns.js: a loopback DNS server for the tests' TXT lookups (RFC 1035 over UDP).
//
//   node fake-dns.js PORTFILE ZONEFILE   listens on 127.0.0.1:<free port>, writes the port
//
// ZONEFILE is JSON read at every query: {"<name>": ["txt value", ...] | "SERVFAIL"}. A name
// listed answers each value as one TXT record (split into 255-byte strings), "SERVFAIL"
// answers SERVFAIL, and any other name NXDOMAIN. Names are compared without case.
'use strict';
const dgram = require('dgram');
const fs = require('fs');

const [portFile, zoneFile] = process.argv.slice(2);

function readName(buf, off) {
  const labels = [];
  for (;;) {
    const n = buf[off++];
    if (n === 0 || n === undefined) break;
    labels.push(buf.toString('latin1', off, off + n));
    off += n;
  }
  return { name: labels.join('.').toLowerCase(), end: off };
}

function txtRdata(value) {
  const bytes = Buffer.from(value, 'utf8');
  const parts = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
    if (!bytes.length) break;
  }
  return Buffer.concat(parts);
}

function answer(msg) {
  if (msg.length < 12) return null;
  const id = msg.readUInt16BE(0), flags = msg.readUInt16BE(2);
  const q = readName(msg, 12);
  const qtype = msg.readUInt16BE(q.end), question = msg.subarray(12, q.end + 4);
  let zone = {};
  try { zone = JSON.parse(fs.readFileSync(zoneFile, 'utf8')); } catch { zone = {}; }
  const entry = Object.entries(zone).find(([k]) => k.toLowerCase() === q.name);
  let rcode = 0;
  const answers = [];
  if (!entry) rcode = 3;
  else if (entry[1] === 'SERVFAIL') rcode = 2;
  else if (qtype === 16 || qtype === 255) {
    for (const v of entry[1]) {
      const rdata = txtRdata(v);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // the name of the question
      rr.writeUInt16BE(16, 2);     // TXT
      rr.writeUInt16BE(1, 4);      // IN
      rr.writeUInt32BE(60, 6);     // TTL
      rr.writeUInt16BE(rdata.length, 10);
      answers.push(rr, rdata);
    }
  }
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(0x8000 | (flags & 0x7900) | 0x0400 | 0x0080 | rcode, 2); // QR, opcode+RD, AA, RA
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(answers.length / 2, 6);
  return Buffer.concat([head, question, ...answers]);
}

const sock = dgram.createSocket('udp4');
sock.on('message', (msg, rinfo) => {
  let out = null;
  try { out = answer(msg); } catch { out = null; }
  if (out) sock.send(out, rinfo.port, rinfo.address);
});
sock.bind(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(sock.address().port)));
process.on('SIGTERM', () => sock.close(() => process.exit(0)));
