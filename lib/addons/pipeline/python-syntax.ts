import { Tree, TreeCursor } from '@lezer/common';
import { parser } from '@lezer/python';

/**
 * Whether a PySpark program parses as Python 3, checked at synth so that a typo fails the synth
 * instead of the driver pod, minutes later in the cluster. The grammar is @lezer/python's, a
 * maintained Python 3 grammar (f-strings, walrus, match, type parameters, async, decorators). It is
 * error-tolerant, built for editors: a syntax error becomes an error node (⚠) in the tree rather
 * than an exception, and the first one is reported with its line and column. Where the grammar is
 * behind Python 3 (parenthesized with items, a bare yield, `print` as a name) the check works
 * around it, so that no valid program is refused. It does not check what CPython checks outside
 * the grammar (indentation levels, assignment targets), so a program it accepts may still fail to
 * compile.
 *
 * Returns the problem, or undefined when the program parses. `field` names the value in the message.
 */
export function pythonSyntaxProblem(text: string, fileName: string, field: string): string | undefined {
  // Python reads a file with universal newlines and skips a byte order mark; the grammar knows only
  // "\n" after a backslash, and the BOM would shift the columns of line 1.
  const source = text.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n');
  const tree = parser.parse(source);
  const printStatements = nodesNamed(tree, 'PrintStatement');
  const masked = blank(source, [
    ...parenthesizedWithTargets(tree).map(([from, to]) => ({ from, to, fill: ' ' })),
    ...printStatements.map(([from]) => ({ from, to: from + 1, fill: '_' })),
  ]);
  const error = firstError(masked === source ? tree : parser.parse(masked), source, printStatements);
  if (error === undefined) {
    return undefined;
  }
  const { line, column } = lineAndColumn(source, error.at);
  const lineText = source.split('\n')[line - 1].trim();
  const where = lineText === '' ? '' : `, in \`${shorten(lineText, 60)}\``;
  return `${field} (${fileName}) does not parse as Python 3: line ${line}, column ${column}: ${error.what}${where}: `
    + `correct that line (\`python3 -m py_compile ${fileName}\` reports the same mistake)`;
}

interface ParseError {
  /** The offset in the source. */
  readonly at: number;
  /** What the parser found there. */
  readonly what: string;
}

/**
 * The first error node of the tree, or a string never closed. The grammar also reads Python 2's print statement, for editors'
 * sake, and so reads `print = log` as one; the caller blanks the first letter of each (`_rint`, a
 * name), and an error inside one is then reported as the print statement it is.
 */
function firstError(tree: Tree, source: string, printStatements: [number, number][]): ParseError | undefined {
  const cursor = tree.cursor();
  do {
    // A bare `yield` (`x = yield`, `(yield)`) is Python 3, which the grammar does not know yet.
    if (cursor.type.isError && !(cursor.from === cursor.to && cursor.node.prevSibling?.name === 'yield')) {
      const print = printStatements.find(([from, to]) => from <= cursor.from && cursor.from <= to);
      if (print !== undefined) {
        const args = source.slice(print[0], print[1]).replace(/^print\s*/, '').trim();
        return { at: print[0], what: `a Python 2 print statement, print being a function in Python 3 (\`print(${shorten(args, 40)})\`)` };
      }
      const parent = cursor.node.parent?.name ?? 'Script';
      return { at: cursor.from, what: `${unexpected(source, cursor.from, cursor.to)} while reading ${article(words(parent))}` };
    }
    // The grammar ends a one-line string that is never closed at the end of its line, without an error.
    if (cursor.name === 'String' || cursor.name === 'FormatString') {
      const [, prefix, quote] = /^([A-Za-z]*)("""|'''|"|')/.exec(source.slice(cursor.from, cursor.to)) ?? [];
      const text = source.slice(cursor.from, cursor.to);
      if (quote !== undefined && (text.length < prefix.length + 2 * quote.length || !text.endsWith(quote))) {
        return { at: cursor.from, what: `a string that is never closed (${quote} without a closing ${quote})` };
      }
    }
  } while (cursor.next());
  return undefined;
}

/** The [from, to] of every node of that name. */
function nodesNamed(tree: Tree, name: string): [number, number][] {
  const found: [number, number][] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.name === name) {
      found.push([cursor.from, cursor.to]);
    }
  } while (cursor.next());
  return found;
}

/** The parser's view of what it could not read: the text the error node covers, or what follows an empty one. */
function unexpected(source: string, from: number, to: number): string {
  const covered = source.slice(from, to).trim();
  if (covered !== '') {
    return `unexpected ${JSON.stringify(shorten(covered.split('\n')[0], 20))}`;
  }
  const rest = source.slice(from).replace(/^[ \t]+/, '');
  if (rest.trim() === '') {
    return 'unexpected end of the program';
  }
  if (rest.startsWith('\n') || rest.startsWith('#')) {
    return 'unexpected end of line';
  }
  return `unexpected ${JSON.stringify(shorten(/^(\w+|\S)/.exec(rest)![0], 20))}`;
}

/**
 * Python 3.10 made the with statement take parenthesized items (`with (open(a) as f, open(b) as g):`),
 * which the grammar does not know yet. Each `as TARGET` of such a statement is to be blanked out,
 * which leaves the parenthesized expression the grammar does know.
 */
function parenthesizedWithTargets(tree: Tree): [number, number][] {
  const cursor = tree.cursor();
  const targets: [number, number][] = [];
  do {
    if (cursor.name === 'WithStatement' && cursor.node.getChild('ParenthesizedExpression') !== null && hasError(cursor.node.cursor())) {
      for (let child = cursor.node.firstChild; child !== null; child = child.nextSibling) {
        if (child.name === 'as' && child.nextSibling !== null) {
          targets.push([child.from, child.nextSibling.to]);
        }
      }
    }
  } while (cursor.next());
  return targets;
}

/** The source with each range's characters but line breaks replaced by `fill`, so that every line and column stays. */
function blank(source: string, ranges: { from: number; to: number; fill: string }[]): string {
  let masked = source;
  for (const { from, to, fill } of ranges) {
    masked = masked.slice(0, from) + masked.slice(from, to).replace(/[^\n]/g, fill) + masked.slice(to);
  }
  return masked;
}

/** Whether the node the cursor is at holds an error node. */
function hasError(cursor: TreeCursor): boolean {
  const end = cursor.to;
  do {
    if (cursor.type.isError) {
      return true;
    }
  } while (cursor.next() && cursor.from < end);
  return false;
}

function lineAndColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastBreak };
}

/** `ArgList` → `arg list`. */
function words(nodeName: string): string {
  return nodeName.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function article(phrase: string): string {
  return `${/^[aeiou]/.test(phrase) ? 'an' : 'a'} ${phrase}`;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
