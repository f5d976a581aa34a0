// ESLint rule `deskql/import-cycles`: no import cycle among our TypeScript files,
// type-only imports included.
//
// Why not import-x/no-cycle: in eslint-plugin-import-x 4.18 that rule always
// skips `import type` and imports whose specifiers are all types (there is no
// option to count them; see its lib/rules/no-cycle.js). A type import is still a
// dependency of one layer on another, and DESIGN.md's layering counts it: the
// cycle through src/common/context.ts was made of type imports. So this rule
// takes its graph from the TypeScript program typescript-eslint already built
// for the type-aware rules (projectService): every static import, re-export,
// `import x = require()`, `import()` call and `import('…').T` type counts.
//
// One exception, by option: `typeOnlyBetween` (a regular expression on the
// path) drops type-only imports from one matching file to another. The
// project uses it for ORM entities (`\.entity\.ts$`): a relation that both
// sides map (Agent.primaryDepartment and Department.manager) is a two-way fact
// of the data model; the entities already refer to each other by name
// (`entity: 'Agent'`) with type imports, so nothing runs in a cycle.
//
// The graph and its strongly connected components are computed once per
// program. An import is reported when its target is in the importing file's
// component; the message gives one way back, so the cycle is visible at once.
import path from 'node:path';
import ts from 'typescript';

/** @type {WeakMap<ts.Program, Map<string, { resolve: (spec: string, from: string) => string | null, components: Map<string, Set<string>>, edges: Map<string, Set<string>> }>>} */
const graphs = new WeakMap();

function graphOf(program, typeOnlyBetween) {
  const key = typeOnlyBetween?.source ?? '';
  let byOptions = graphs.get(program);
  if (!byOptions) graphs.set(program, (byOptions = new Map()));
  let graph = byOptions.get(key);
  if (graph) return graph;
  const options = program.getCompilerOptions();
  const cache = ts.createModuleResolutionCache(program.getCurrentDirectory(), (f) => f, options);
  const ours = (file) => !program.isSourceFileFromExternalLibrary(file) && !file.isDeclarationFile;
  const files = program.getSourceFiles().filter(ours);
  const inProgram = new Set(files.map((f) => path.resolve(f.fileName)));
  const resolve = (spec, from) => {
    const mode = program.getSourceFile(from)?.impliedNodeFormat;
    const resolved = ts.resolveModuleName(spec, from, options, ts.sys, cache, undefined, mode).resolvedModule;
    if (!resolved || resolved.isExternalLibraryImport) return null;
    const target = path.resolve(resolved.resolvedFileName);
    return inProgram.has(target) ? target : null;
  };
  /** @type {Map<string, Set<string>>} */
  const edges = new Map();
  for (const sf of files) {
    const from = path.resolve(sf.fileName);
    /** target → whether every import of it from this file is type-only */
    const typeOnly = new Map();
    for (const { spec, types } of specifiersOf(sf)) {
      const target = resolve(spec, sf.fileName);
      if (target) typeOnly.set(target, (typeOnly.get(target) ?? true) && types);
    }
    const exempt = (target) => typeOnlyBetween && typeOnly.get(target) && typeOnlyBetween.test(from) && typeOnlyBetween.test(target);
    edges.set(from, new Set([...typeOnly.keys()].filter((target) => !exempt(target))));
  }
  graph = { resolve, components: stronglyConnected(edges), edges };
  byOptions.set(key, graph);
  return graph;
}

/** Every module specifier a file names, type positions included, and whether the import is type-only. */
function specifiersOf(sf) {
  const specs = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : null;
      const types = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      specs.push({ spec: node.moduleSpecifier.text, types });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : null;
      const types = node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly));
      specs.push({ spec: node.moduleSpecifier.text, types });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      specs.push({ spec: node.moduleReference.expression.text, types: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      specs.push({ spec: node.arguments[0].text, types: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specs.push({ spec: node.argument.literal.text, types: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return specs;
}

/** Tarjan's algorithm (iterative): each file in a cycle maps to the set of files in its component. */
function stronglyConnected(edges) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = new Map();
  let next = 0;
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work = [{ node: root, targets: [...(edges.get(root) ?? [])], i: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.i < frame.targets.length) {
        const target = frame.targets[frame.i++];
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, targets: [...(edges.get(target) ?? [])], i: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node), index.get(target)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const members = new Set();
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          members.add(member);
        } while (member !== frame.node);
        const cyclic = members.size > 1 || edges.get(frame.node)?.has(frame.node);
        if (cyclic) for (const m of members) components.set(m, members);
      }
    }
  }
  return components;
}

/** The shortest way from `start` back to `goal` inside one component (breadth first). */
function wayBack(graph, start, goal, members) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    if (node === goal) break;
    for (const target of graph.edges.get(node) ?? []) {
      if (members.has(target) && !previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  const way = [];
  for (let node = goal; node != null; node = previous.get(node)) way.unshift(node);
  return way;
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles among the TypeScript program\'s files, counting type-only imports' },
    schema: [
      {
        type: 'object',
        properties: { typeOnlyBetween: { type: 'string', description: 'regular expression on the path: type-only imports between two matching files are not counted' } },
        additionalProperties: false,
      },
    ],
    messages: { cycle: 'Import cycle (type imports count): {{way}}' },
  },
  create(context) {
    const program = context.sourceCode.parserServices?.program;
    if (!program) return {};
    const pattern = context.options[0]?.typeOnlyBetween;
    const graph = graphOf(program, pattern ? new RegExp(pattern) : null);
    const self = path.resolve(context.physicalFilename);
    const members = graph.components.get(self);
    if (!members) return {};
    const root = program.getCurrentDirectory();
    const check = (node, source) => {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const target = graph.resolve(source.value, context.physicalFilename);
      if (!target || !members.has(target) || !graph.edges.get(self)?.has(target)) return;
      const way = [self, ...wayBack(graph, target, self, members)].map((f) => path.relative(root, f)).join(' → ');
      context.report({ node, messageId: 'cycle', data: { way } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportEqualsDeclaration: (node) => check(node, node.moduleReference.type === 'TSExternalModuleReference' ? node.moduleReference.expression : null),
      TSImportType: (node) => check(node, node.argument.type === 'TSLiteralType' ? node.argument.literal : null),
    };
  },
};
