// The README's code blocks, for the tests that run them (test/readme.test.ts,
// test/quickstart.test.ts). A block may be preceded by a marker line
// `<!-- doc-test: ... -->` that says who runs it, or that it is illustrative and why.
import { readFileSync } from 'node:fs';

export interface ReadmeBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The doc-test marker's text, or null. */
  marker: string | null;
  /** The nearest `##`/`###` heading above. */
  section: string;
}

export const README = new URL('../../README.md', import.meta.url);

export function readmeBlocks(text = readFileSync(README, 'utf8')): ReadmeBlock[] {
  const lines = text.split('\n');
  const out: ReadmeBlock[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^#{2,3} /.test(l)) section = l.replace(/^#+ /, '');
    const open = /^```(\w*)\s*$/.exec(l);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    let j = start - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    const m = j >= 0 ? /^<!-- doc-test: (.*?) -->$/.exec(lines[j]!.trim()) : null;
    out.push({ lang: open[1]!, code: body.join('\n'), line: start + 1, marker: m ? m[1]! : null, section });
  }
  return out;
}

/** A shell line without its trailing comment (" # ..."), trimmed. */
export function shellCommand(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trim();
  }
  return line.trim();
}

/** Splits a shell command into words (single and double quotes, no expansions but ~). */
export function shellWords(command: string, home: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let any = false;
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = null;
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      any = true;
    } else if (/\s/.test(c)) {
      if (cur || any) words.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (cur || any) words.push(cur);
  return words.map((w) => (w === '~' || w.startsWith('~/') ? home + w.slice(1) : w));
}
