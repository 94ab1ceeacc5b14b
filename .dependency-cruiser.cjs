// Layering of the hexagon, checked in CI (`npm run lint:layers`).
// The centre (shared/model) knows nothing; ports know the model; use cases know both and are
// handed adapters at run time, so a test can pass DynamoDB Local stores and a fixed clock.
// test/ and bench/ sit outside the rules: they may import anything. verifier/ stands alone.

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
      name: 'verifier-stands-alone',
      comment: 'verifier/ is what an agency runs without TwinGuard: it imports only itself, node builtins and jose.',
      severity: 'error',
      from: { path: '^verifier/' },
      to: { dependencyTypes: LOCAL, pathNot: '^verifier/' },
    },
    {
      name: 'verifier-needs-only-jose',
      comment: 'The verifier depends on no npm package but jose (JWS/JWKS), so an agency can audit all of it.',
      severity: 'error',
      from: { path: '^verifier/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: 'node_modules/jose/' },
    },
    {
      name: 'no-one-depends-on-the-verifier-but-tests-and-tools',
      comment:
        'TwinGuard never verifies its own log with the verifier (an independent check would then not be independent); the CLI and tests may.',
      severity: 'error',
      from: { path: '^(shared|functions|infra)/' },
      to: { path: '^verifier/' },
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
