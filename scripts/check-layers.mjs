#!/usr/bin/env node
// Layering lint: imports in src/ may only point downward (DESIGN.md, principle 4).
//
//   node scripts/check-layers.mjs [srcDir]        exit 0 and "OK ..." or exit 1 naming each bad import
//
// Layers, bottom to top: gpu and shaders (0, and neither may import the other), tensor (1),
// autograd (2), nn (3), optim (4), analysis (5); src/index.ts is the entry point and may import
// anything. A file may import its own layer and any lower one. Type-only imports (`import type`,
// `export type`, `import('x').T`) obey the same rule: a lower layer reaches a higher one only through
// a hook installed at run time (as Tensor.backward does), never through an import. Packages
// (bare specifiers such as 'wgsl_reflect') are allowed everywhere.
//
// Imports are found with the TypeScript parser, so comments, strings and WGSL templates that happen
// to contain the word "import" are never mistaken for imports.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const LAYERS = { gpu: 0, shaders: 0, tensor: 1, autograd: 2, nn: 3, optim: 4, analysis: 5, testing: 6 };
const ENTRY = 'index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.resolve(process.argv[2] ?? path.join(root, 'src'));

function listTs(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(full));
    else if (e.name.endsWith('.ts')) out.push(full);
  }
  return out.sort();
}

/** The layer a path under srcDir belongs to: a LAYERS key, 'entry' for src/index.ts, or null. */
function layerOf(file) {
  const rel = path.relative(srcDir, file).split(path.sep);
  if (rel[0] === '..' || path.isAbsolute(rel[0])) return null;
  if (rel.length === 1) return rel[0] === ENTRY || rel[0] === ENTRY.replace(/\.ts$/, '.js') ? 'entry' : null;
  return rel[0] in LAYERS ? rel[0] : null;
}

/** Every module specifier in a file: { spec, typeOnly, line }. */
function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = [];
  const add = (lit, typeOnly) => {
    if (lit && ts.isStringLiteralLike(lit)) {
      found.push({ spec: lit.text, typeOnly, line: sf.getLineAndCharacterOfPosition(lit.getStart()).line + 1 });
    }
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const allTypes =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false); // import('x'); a computed specifier cannot be checked and is skipped
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Why `from` may not import `to` (layer names or 'entry'), or null when it may. */
function violation(from, to) {
  if (to === null) return 'it points outside the layered source tree';
  if (from === 'entry' || from === to) return null;
  if (to === 'entry') return `${from} imports the package entry point (src/index.ts), which sits above every layer`;
  if (LAYERS[to] < LAYERS[from]) return null;
  if (LAYERS[to] === LAYERS[from]) return `${from} and ${to} are both bottom layers and must not know each other`;
  return `${from} (layer ${LAYERS[from]}) -> ${to} (layer ${LAYERS[to]}) points upward`;
}

const files = listTs(srcDir);
const problems = [];
const counts = { files: files.length, imports: 0, typeOnly: 0, packages: 0, crossLayer: 0 };
for (const file of files) {
  const rel = path.relative(path.dirname(srcDir), file).split(path.sep).join('/');
  const from = layerOf(file);
  if (from === null) {
    problems.push(`${rel}: not in a known layer (${Object.keys(LAYERS).join(', ')}, or src/${ENTRY}); ` +
      'move it into one, or add its folder to LAYERS in scripts/check-layers.mjs');
    continue;
  }
  for (const { spec, typeOnly, line } of importsOf(file)) {
    counts.imports++;
    if (typeOnly) counts.typeOnly++;
    if (!spec.startsWith('.') && !spec.startsWith('/')) {
      counts.packages++;
      continue;
    }
    const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
    const to = layerOf(target);
    if (to !== from) counts.crossLayer++;
    const why = violation(from, to);
    if (why) problems.push(`${rel}:${line}: ${typeOnly ? 'import type' : 'import'} '${spec}': ${why}`);
  }
}

if (problems.length) {
  console.error(`check-layers: ${problems.length} problem(s); imports must point down: ` +
    'gpu | shaders < tensor < autograd < nn < optim < analysis < src/index.ts');
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(
  `check-layers: OK, ${counts.files} files, ${counts.imports} imports (${counts.crossLayer} across layers, ` +
    `${counts.typeOnly} type-only, ${counts.packages} from packages), none pointing upward`,
);
