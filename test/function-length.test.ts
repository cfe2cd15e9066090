/**
 * No function in `src/` runs over 60 lines of its own (issue #17): a reader sees each one whole.
 * A function's own lines are its body's, less those of the functions written inside it — a
 * factory returning an object of short methods is short. Where a long one is the clearest way to
 * say it (a table of data, a migration's schema), a comment just above it says so, starting
 * `Long because`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');
const MAX_OWN_LINES = 60;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

type FunctionNode = ts.FunctionLikeDeclaration & { body: ts.Node };

function isFunction(n: ts.Node): n is FunctionNode {
  return (
    (ts.isFunctionDeclaration(n) ||
      ts.isMethodDeclaration(n) ||
      ts.isArrowFunction(n) ||
      ts.isFunctionExpression(n) ||
      ts.isConstructorDeclaration(n) ||
      ts.isGetAccessorDeclaration(n) ||
      ts.isSetAccessorDeclaration(n)) &&
    n.body !== undefined
  );
}

/** The name a reader would look for: the function's, or the variable, property or call it is given to. */
function nameOf(fn: FunctionNode): string {
  if (fn.name) return fn.name.getText();
  const p = fn.parent;
  if (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p)) return p.name.getText();
  if (ts.isCallExpression(p)) return `${p.expression.getText().split('.').pop()}(…)`;
  return '(anonymous)';
}

/** The statement whose leading comments speak for the function (`const x = () => …` speaks for its arrow). */
function commentedNode(fn: FunctionNode): ts.Node {
  let n: ts.Node = fn;
  while (
    n.parent &&
    (ts.isVariableDeclaration(n.parent) ||
      ts.isVariableDeclarationList(n.parent) ||
      ts.isVariableStatement(n.parent) ||
      ts.isPropertyAssignment(n.parent) ||
      ts.isExportAssignment(n.parent))
  )
    n = n.parent;
  return n;
}

function longFunctions(): { unexplained: string[]; explained: string[] } {
  const unexplained: string[] = [];
  const explained: string[] = [];
  for (const file of files(SRC)) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const lines = (n: ts.Node) =>
      source.getLineAndCharacterOfPosition(n.getEnd()).line -
      source.getLineAndCharacterOfPosition(n.getStart()).line +
      1;
    const ownLines = (fn: FunctionNode) => {
      let own = lines(fn.body);
      const subtract = (n: ts.Node): void => {
        if (isFunction(n)) own -= lines(n);
        else ts.forEachChild(n, subtract);
      };
      ts.forEachChild(fn.body, subtract);
      return own;
    };
    const visit = (n: ts.Node): void => {
      if (isFunction(n) && ownLines(n) > MAX_OWN_LINES) {
        const at = commentedNode(n);
        const comments = (ts.getLeadingCommentRanges(text, at.getFullStart()) ?? [])
          .map((r) => text.slice(r.pos, r.end))
          .join('\n');
        const entry = `${relative(SRC, file)} ${nameOf(n)}`;
        (/Long because/.test(comments) ? explained : unexplained).push(entry);
      }
      ts.forEachChild(n, visit);
    };
    visit(source);
  }
  return { unexplained: unexplained.sort(), explained: explained.sort() };
}

describe('the length of functions in src/', () => {
  it(`keeps each under ${MAX_OWN_LINES} lines of its own, or says why`, () => {
    expect(longFunctions().unexplained).toEqual([]);
  });

  it('lists the few that say why they are long, so a new one is a decision someone reviews', () => {
    expect(longFunctions().explained).toEqual(['store/migrations/0001_initial.ts up']);
  });
});
