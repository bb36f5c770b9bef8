/**
 * The README and docs/ cannot drift from the code: every TypeScript block type-checks against the
 * package as a user imports it, the README's file table names what dist/ holds in apply order, and
 * every relative link leads to a file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { REPO, scratchDir } from '../support/project';

const DOCS = path.join(REPO, 'docs');
const pages = ['README.md', ...fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const text = (page: string) => fs.readFileSync(path.join(REPO, page), 'utf8');

/** The fenced blocks of `lang` in a Markdown text, with the line each starts on. */
function blocks(markdown: string, langs: string[]): { line: number; code: string }[] {
  const found: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]);
    if (open === null) {
      continue;
    }
    const end = lines.indexOf('```', i + 1);
    if (langs.includes(open[1])) {
      found.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n') });
    }
    i = end;
  }
  return found;
}

/**
 * The type errors of each file, from one strict program in which `spark-platform-cdk8s` is the
 * package's entry point (lib/index.ts, whose exports are the package's), as a user's app imports it.
 */
function typeErrors(files: Record<string, string>): Record<string, string[]> {
  const dir = scratchDir('docs-');
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const [name, code] of Object.entries(files)) {
    // Each block is a module of its own, so that two blocks may declare the same names.
    fs.writeFileSync(path.join(dir, name), `${code}\nexport {};\n`);
  }
  const program = ts.createProgram(Object.keys(files).map((name) => path.join(dir, name)), {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    baseUrl: dir,
    paths: { 'spark-platform-cdk8s': [path.join(REPO, 'lib', 'index.ts')] },
  });
  return Object.fromEntries(Object.keys(files).map((name) => {
    const source = program.getSourceFile(path.join(dir, name))!;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    return [name, diagnostics.map((d) => `line ${source.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)];
  }));
}

describe('the TypeScript blocks of README.md and docs/', () => {
  const all = pages.flatMap((page) => blocks(text(page), ['ts', 'typescript']).map((b) => ({ ...b, page })));
  const name = (b: { page: string; line: number }) => `${b.page.replace(/[/.]/g, '-')}-${b.line}.ts`;
  // A block with a mistake a reader could copy, checked in the same program: the check can fail.
  const wrong = "import { TenantNamespace } from 'spark-platform-cdk8s';\nimport { Chart } from 'cdk8s';\ndeclare const chart: Chart;\nnew TenantNamespace(chart, 'x', { nmae: 'x' });";
  const errors = typeErrors({ ...Object.fromEntries(all.map((b) => [name(b), b.code])), 'wrong.ts': wrong });

  test('there are blocks in the README and in docs/', () => {
    expect(all.filter((b) => b.page === 'README.md').length).toBeGreaterThan(0);
    expect(all.filter((b) => b.page !== 'README.md').length).toBeGreaterThan(5);
  });

  test('each type-checks under strict against the package', () => {
    expect(Object.fromEntries(all.map((b) => [`${b.page}:${b.line}`, errors[name(b)]]).filter(([, e]) => e.length > 0))).toEqual({});
  });

  test('a block with a misspelled prop does not', () => {
    expect(errors['wrong.ts'].join('\n')).toMatch(/'nmae' does not exist in type 'TenantNamespaceProps'/);
  });
});

describe("the README's table of dist/", () => {
  test('names every file dist/ holds, in apply order', () => {
    const readme = text('README.md');
    const section = readme.slice(readme.indexOf('## What synth writes'), readme.indexOf('\n## ', readme.indexOf('## What synth writes') + 1));
    const named = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    const plan = JSON.parse(fs.readFileSync(path.join(REPO, 'dist.plan.json'), 'utf8'));
    expect(named).toEqual(plan.files.map((f: { file: string }) => f.file));
    expect(named).toEqual(fs.readdirSync(path.join(REPO, 'dist')).sort());
  });
});

describe('links', () => {
  test.each(pages)('every relative link of %s leads to a file', (page) => {
    const targets = [...text(page).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
    const missing = targets.map((t) => path.relative(REPO, path.resolve(REPO, path.dirname(page), t)))
      .filter((t) => !fs.existsSync(path.join(REPO, t)));
    expect(missing).toEqual([]);
  });
});
