#!/usr/bin/env node
// Layering lint: every import in src/ must be an arrow of DESIGN.md's picture (principle 4).
//
//   node scripts/check-layers.mjs [srcDir]        exit 0 and "OK ..." or exit 1 naming each bad import
//
// ARROWS below lists, per layer (a folder of src/), the layers it may import and how: 'import' (at run
// time) or 'type' (`import type` only, erased from the build). Anything not listed is refused, including
// the reverse of every arrow: a lower layer reaches a higher one only through a hook installed at run
// time (as Tensor.backward does). A file may import its own layer; src/index.ts (the entry point) may
// import anything; packages (bare specifiers such as 'wgsl_reflect') are allowed everywhere.
//
// Imports are found with the TypeScript parser, so comments, strings and WGSL templates that happen
// to contain the word "import" are never mistaken for imports. Before checking src/, the script checks
// itself on a small tree with known bad arrows (selfTest), so a rule that stops reporting fails lint.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ARROWS = {
  // the bottom: device, buffers and dispatch, which know nothing of tensors
  gpu: {},
  // pure functions from specs to WGSL text: no GPU calls, testable as strings
  shaders: {},
  // Tensor and the op table: ops launch kernels (gpu: the runtime and its buffer size classes) whose
  // WGSL comes from shaders
  tensor: { gpu: 'import', shaders: 'import' },
  // the tape walk over the records ops leave on tensors
  autograd: { tensor: 'import' },
  // modules and losses are built from tensor ops; autograd for noGrad (updates that must not be recorded)
  nn: { tensor: 'import', autograd: 'import' },
  // optimizers: state and in-place updates are tensors; fused kernels are shaders' WGSL (UpdateRule);
  // noGrad (autograd) for closures (LBFGS, Muon); nn only as a type (the LR finder takes a Module)
  optim: { tensor: 'import', shaders: 'import', autograd: 'import', nn: 'type' },
  // the lab's analyses use the library's own ops, noGrad, and the optimizers' tensor copy
  analysis: { tensor: 'import', autograd: 'import', optim: 'import' },
  // gradcheck and assertClose: tensor ops and the tape walk
  testing: { tensor: 'import', autograd: 'import' },
};
const LAYERS = Object.keys(ARROWS);
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

/** The layer a path under dir belongs to: an ARROWS key, 'entry' for src/index.ts, or null. */
function layerOf(file, dir) {
  const rel = path.relative(dir, file).split(path.sep);
  if (rel[0] === '..' || path.isAbsolute(rel[0])) return null;
  if (rel.length === 1) return rel[0] === ENTRY || rel[0] === ENTRY.replace(/\.ts$/, '.js') ? 'entry' : null;
  return LAYERS.includes(rel[0]) ? rel[0] : null;
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
function violation(from, to, typeOnly) {
  if (to === null) return 'it points outside the layered source tree';
  if (from === 'entry' || from === to) return null;
  if (to === 'entry') return `${from} imports the package entry point (src/index.ts), which sits above every layer`;
  const how = ARROWS[from][to];
  if (how === 'import' || (how === 'type' && typeOnly)) return null;
  if (how === 'type') return `${from} may know ${to} only as types (use \`import type\`)`;
  const allowed = Object.keys(ARROWS[from]);
  return `${from} -> ${to} is not an arrow of DESIGN.md's picture (${from} may import ${allowed.length ? allowed.join(', ') : 'no other layer'})`;
}

/** Every import of the .ts files under dir that is not an allowed arrow, as "path:line: ..." lines. */
function check(dir) {
  const problems = [];
  const counts = { files: 0, imports: 0, typeOnly: 0, packages: 0, crossLayer: 0 };
  const layerIn = (file) => layerOf(file, dir);
  for (const file of listTs(dir)) {
    counts.files++;
    const rel = path.relative(path.dirname(dir), file).split(path.sep).join('/');
    const from = layerIn(file);
    if (from === null) {
      problems.push(`${rel}: not in a known layer (${LAYERS.join(', ')}, or src/${ENTRY}); ` +
        'move it into one, or add its folder to ARROWS in scripts/check-layers.mjs');
      continue;
    }
    for (const { spec, typeOnly, line } of importsOf(file)) {
      counts.imports++;
      if (typeOnly) counts.typeOnly++;
      if (!spec.startsWith('.') && !spec.startsWith('/')) {
        counts.packages++;
        continue;
      }
      const to = layerIn(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
      if (to !== from) counts.crossLayer++;
      const why = violation(from, to, typeOnly);
      if (why) problems.push(`${rel}:${line}: ${typeOnly ? 'import type' : 'import'} '${spec}': ${why}`);
    }
  }
  return { problems, counts };
}

/** The rules on a tree with one bad import of each kind (and two allowed ones): each must be reported. */
function selfTest() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-layers-'));
  const files = {
    'tensor/up.ts': "import { Module } from '../nn/module.js';",             // upward
    'shaders/side.ts': "import { Runtime } from '../gpu/runtime.js';",       // between the two bottom layers
    'optim/runtime_nn.ts': "import { Module } from '../nn/module.js';",      // nn allowed as a type only
    'optim/type_nn.ts': "import type { Module } from '../nn/module.js';",    // allowed
    'nn/module.ts': "import { Tensor } from '../tensor/tensor.js';",         // allowed
    'autograd/entry.ts': "import { init } from '../index.js';",              // the entry point
  };
  try {
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), text + '\n');
    }
    const found = check(dir).problems.map((p) => p.split(':')[0].replace(/^[^/]+\//, ''));
    const expected = ['autograd/entry.ts', 'optim/runtime_nn.ts', 'shaders/side.ts', 'tensor/up.ts'];
    if (JSON.stringify(found.sort()) !== JSON.stringify(expected)) {
      console.error(`check-layers: self-test failed: expected problems in ${expected.join(', ')}, got ${found.join(', ') || 'none'}`);
      process.exit(1);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

selfTest();
const { problems, counts } = check(srcDir);
if (problems.length) {
  console.error(`check-layers: ${problems.length} problem(s); imports must follow the arrows of DESIGN.md (ARROWS in scripts/check-layers.mjs)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(
  `check-layers: OK, ${counts.files} files, ${counts.imports} imports (${counts.crossLayer} across layers, ` +
    `${counts.typeOnly} type-only, ${counts.packages} from packages), every one an allowed arrow (self-test passed)`,
);
