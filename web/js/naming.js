// naming.js: the project name rule of lib/rules/naming (a DNS label, 1 to 32 characters, that starts
// with a letter), explained as the user types. The API checks it again; this only helps.
export function nameProblems(s) {
  const out = [];
  if (!s) return ['a name is needed'];
  if (s.length > 32) out.push(`${s.length} characters: at most 32`);
  if (/[A-Z]/.test(s)) out.push('lower-case letters only');
  if (/[^a-zA-Z0-9-]/.test(s)) out.push('only letters, digits and "-"');
  if (!/^[a-zA-Z]/.test(s)) out.push('it must start with a letter');
  if (s.endsWith('-')) out.push('it cannot end with "-"');
  return out;
}

// A name suggested from a repository name: lower case, other characters as "-".
export function suggestName(repo) {
  let s = String(repo || '').toLowerCase().replace(/\.git$/, '').replace(/[^a-z0-9-]+/g, '-');
  s = s.replace(/^[^a-z]+/, '').slice(0, 32).replace(/-+$/, '');
  return s;
}
