#!/usr/bin/env node
// `npm run api:report`: writes api/spark-platform-cdk8s.api.md, the package's public API as a user
// sees it: every name lib/index.ts exports, with its kind and signature (a class's constructor and
// public members, an interface's properties, an enum's members). It is read from the TypeScript
// declarations with the compiler API, so it changes exactly when the API does;
// test/project/api-report.test.ts regenerates it and fails when the committed file differs, so that
// every change to the public API is a deliberate, reviewed change to this file.
//
// `node scripts/api-report.js --check` only compares, and exits 1 when the file is out of date.
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const REPO = path.resolve(__dirname, '..');
const ENTRY = path.join(REPO, 'lib', 'index.ts');
const REPORT = path.join(REPO, 'api', 'spark-platform-cdk8s.api.md');

/** One line of text from a declaration's source, with its whitespace collapsed. */
const flat = (text) => text.replace(/\s+/g, ' ').trim();

/** Whether a member is hidden from users: private, `#private` or marked @internal (tsconfig strips those). */
function hidden(node) {
  const flags = ts.getCombinedModifierFlags(node);
  if (flags & ts.ModifierFlags.Private) return true;
  if (node.name && ts.isPrivateIdentifier(node.name)) return true;
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');
}

/** The modifiers a user can see (static, readonly, protected, abstract), in source order. */
function modifiers(node) {
  const shown = new Set([ts.SyntaxKind.StaticKeyword, ts.SyntaxKind.ReadonlyKeyword, ts.SyntaxKind.ProtectedKeyword, ts.SyntaxKind.AbstractKeyword]);
  return (ts.getModifiers(node) ?? []).filter((m) => shown.has(m.kind)).map((m) => `${ts.tokenToString(m.kind)} `).join('');
}

/** `name?: type` of a property, with the written type or, where it is inferred, the checker's. */
function property(checker, node) {
  const optional = node.questionToken ? '?' : '';
  const type = node.type ? flat(node.type.getText()) : checker.typeToString(checker.getTypeAtLocation(node), undefined, ts.TypeFormatFlags.NoTruncation);
  return `${modifiers(node)}${node.name.getText()}${optional}: ${type}`;
}

/** `(params): type` of a function, method or constructor, as written (defaults left out). */
function signature(checker, node) {
  const typeParams = node.typeParameters ? `<${node.typeParameters.map((p) => flat(p.getText())).join(', ')}>` : '';
  const params = node.parameters.map((p) => {
    const optional = p.questionToken || p.initializer ? '?' : '';
    const type = p.type ? flat(p.type.getText()) : checker.typeToString(checker.getTypeAtLocation(p));
    return `${p.dotDotDotToken ? '...' : ''}${p.name.getText()}${optional}: ${type}`;
  });
  if (ts.isConstructorDeclaration(node)) {
    return `(${params.join(', ')})`;
  }
  const returns = node.type ? flat(node.type.getText()) : checker.typeToString(checker.getReturnTypeOfSignature(checker.getSignatureFromDeclaration(node)));
  return `${typeParams}(${params.join(', ')}): ${returns}`;
}

function heritage(node) {
  return (node.heritageClauses ?? []).map((h) => ` ${flat(h.getText())}`).join('');
}

/** The lines describing one exported declaration. */
function describe(checker, name, decl) {
  if (ts.isClassDeclaration(decl)) {
    const lines = [`${modifiers(decl).includes('abstract') ? 'abstract ' : ''}class ${name}${heritage(decl)}`];
    for (const member of decl.members) {
      if (hidden(member)) continue;
      if (ts.isConstructorDeclaration(member)) lines.push(`  constructor${signature(checker, member)}`);
      else if (ts.isPropertyDeclaration(member)) lines.push(`  ${property(checker, member)}`);
      else if (ts.isMethodDeclaration(member)) lines.push(`  ${modifiers(member)}${member.name.getText()}${signature(checker, member)}`);
      else if (ts.isGetAccessorDeclaration(member)) lines.push(`  get ${member.name.getText()}${signature(checker, member)}`);
    }
    return lines;
  }
  if (ts.isInterfaceDeclaration(decl)) {
    const lines = [`interface ${name}${heritage(decl)}`];
    for (const member of decl.members) {
      if (hidden(member)) continue;
      if (ts.isPropertySignature(member)) lines.push(`  ${property(checker, member)}`);
      else if (ts.isMethodSignature(member)) lines.push(`  ${member.name.getText()}${signature(checker, member)}`);
      else lines.push(`  ${flat(member.getText())}`);
    }
    return lines;
  }
  if (ts.isEnumDeclaration(decl)) {
    return [`enum ${name}`, ...decl.members.map((m) => `  ${flat(m.getText())}`)];
  }
  if (ts.isTypeAliasDeclaration(decl)) {
    return [`type ${name} = ${flat(decl.type.getText())}`];
  }
  if (ts.isFunctionDeclaration(decl)) {
    return [`function ${name}${signature(checker, decl)}`];
  }
  if (ts.isVariableDeclaration(decl)) {
    return [`const ${property(checker, decl).replace(/^[^:]*/, name)}`];
  }
  throw new Error(`api-report: cannot describe ${name} (${ts.SyntaxKind[decl.kind]})`);
}

/** The report's text: a header, then every public name in alphabetical order. */
function report() {
  const program = ts.createProgram([ENTRY], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true, skipLibCheck: true, resolveJsonModule: true });
  const checker = program.getTypeChecker();
  const entry = checker.getSymbolAtLocation(program.getSourceFile(ENTRY));
  const exports = checker.getExportsOfModule(entry).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sections = exports.map((symbol) => {
    const local = symbol.declarations?.[0];
    if (local && ts.isNamespaceExport(local)) {
      // `export * as name from '...'`: the classes generated from a CRD, one name of their own.
      const specifier = local.parent.moduleSpecifier.text.replace(/^\.\.\//, '');
      return [`namespace ${symbol.name} (the classes generated from a CRD, in ${specifier})`];
    }
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return target.declarations.flatMap((decl) => describe(checker, symbol.name, decl));
  });
  return [
    '# The public API of spark-platform-cdk8s',
    '',
    'Generated from `lib/index.ts` by `npm run api:report`; do not edit. A change here is a change to',
    'what users of the package can name: review it as such.',
    '',
    `${exports.length} names.`,
    '',
    '```ts',
    sections.map((lines) => lines.join('\n')).join('\n\n'),
    '```',
    '',
  ].join('\n');
}

module.exports = { report, REPORT };

if (require.main === module) {
  const text = report();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(REPORT) ? fs.readFileSync(REPORT, 'utf8') : '';
    if (current !== text) {
      console.error(`${path.relative(REPO, REPORT)} is out of date: run \`npm run api:report\` and commit it`);
      process.exit(1);
    }
  } else {
    fs.mkdirSync(path.dirname(REPORT), { recursive: true });
    fs.writeFileSync(REPORT, text);
    console.log(`wrote ${path.relative(REPO, REPORT)}`);
  }
}
