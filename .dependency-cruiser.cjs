// Layering of the hexagon, checked in CI (`npm run lint:layers`).
// The centre (shared/model) knows nothing; ports know the model; use cases know both and are
// handed adapters at run time, so a test can pass DynamoDB Local stores and a fixed clock.
// test/ and bench/ sit outside the rules: they may import anything.

/** Relative imports only: npm packages and node builtins are governed by `core-no-aws`. */
const LOCAL = ['local'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'model-is-the-centre',
      comment: 'shared/model imports nothing of ours outside shared/model.',
      severity: 'error',
      from: { path: '^shared/model/' },
      to: { dependencyTypes: LOCAL, pathNot: '^shared/model/' },
    },
    {
      name: 'ports-know-only-the-model',
      comment: 'shared/ports imports only shared/model and other ports.',
      severity: 'error',
      from: { path: '^shared/ports/' },
      to: { dependencyTypes: LOCAL, pathNot: '^shared/(model|ports)/' },
    },
    {
      name: 'use-cases-never-import-adapters',
      comment: 'shared/use-cases imports model, ports and use cases; adapters arrive through the ports.',
      severity: 'error',
      from: { path: '^shared/use-cases/' },
      to: { dependencyTypes: LOCAL, pathNot: '^shared/(model|ports|use-cases)/' },
    },
    {
      name: 'shared-never-imports-outer-layers',
      comment: 'Nothing in shared/ reaches into the Lambda entry points, the CDK app, the local runtime, tests or benchmarks.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(functions|infra|local|test|bench)/' },
    },
    {
      name: 'core-no-aws',
      comment: 'The core (model, ports, use cases) stays free of AWS clients, Lambda middleware and CDK; adapters own them.',
      severity: 'error',
      from: { path: '^shared/(model|ports|use-cases)/' },
      to: { path: 'node_modules/(@aws-sdk|@aws-lambda-powertools|@middy|aws-cdk-lib|constructs|cdk-nag)/' },
    },
    {
      name: 'client-knows-only-the-model',
      comment: 'client/ ships as twinguard/client: it imports the model (schemas, examples) and itself, never adapters or use cases.',
      severity: 'error',
      from: { path: '^client/' },
      to: { dependencyTypes: LOCAL, pathNot: '^(client|shared/model)/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes import order matter and the layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import the cruiser cannot resolve is an edge it cannot check, so it fails instead of passing silently.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(cdk\\.out|coverage)/' },
    // Type-only imports count: a port that names an adapter type is still coupled to it.
    tsPreCompilationDeps: true,
    // Resolves the `.ts` extensions in imports the way tsc does (moduleResolution Bundler).
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
