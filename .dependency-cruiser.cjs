// The direction of dependencies, checked by `npx depcruise src models bin` and by
// test/unit/layers.test.ts (so `npm test` fails when an import points the wrong way).
//
//   engine ← models ← experiments ← report / trace / isolation / rtapp ← cli (and src/index.ts)
//
// Beside that chain: src/errors.ts and src/metrics/histogram.ts are leaves anyone may use;
// src/scenario (the input: schema, loading, units; it extends the engine's own types) and
// src/analysis (schedulability) sit between the engine and the models; src/metrics/results.ts
// summarises a finished simulation for the layers above.
// ARCHITECTURE.md explains each layer.

/** Every layer above the engine, as path prefixes. */
const ABOVE_ENGINE = '^(models/|src/(scenario|rtapp|report|cli|isolation|advise|regress|trace|experiments|analysis|metrics/results|metrics/expectations|metrics/metric-accessors|index))';

module.exports = {
  forbidden: [
    {
      name: 'engine-imports-nothing-above',
      comment:
        'src/engine is the physics: it knows no model, scenario file, report or command. It has its own types ' +
        '(src/engine/system.ts); the scenario builds on them, never the reverse.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: ABOVE_ENGINE },
    },
    {
      name: 'models-do-not-run-or-render',
      comment: 'A model is a plug-in on the engine: it never runs experiments, renders, traces or parses commands.',
      severity: 'error',
      from: { path: '^models/' },
      to: { path: '^src/(experiments|report|trace|isolation|advise|regress|rtapp|cli|index)' },
    },
    {
      name: 'xen-and-kvm-models-are-independent',
      comment: 'What both families need lives in models/ (describe.ts, params.ts, population.ts), not in the other family.',
      severity: 'error',
      from: { path: '^models/(xen|kvm)/' },
      to: { path: '^models/(xen|kvm)/', pathNot: '^models/$1/' },
    },
    {
      name: 'experiments-do-not-render',
      comment:
        'src/experiments runs scenarios; rendering, traces, the isolation matrix, rt-app logs and the CLI sit above it. ' +
        'Reading an rt-app workload (src/rtapp/grammar.ts, import.ts) is input, like src/scenario: the loader may use it.',
      severity: 'error',
      from: { path: '^src/experiments/' },
      to: { path: '^src/(report|trace|isolation|advise|regress|rtapp|cli|index)', pathNot: '^src/rtapp/(grammar|import)\\.ts$' },
    },
    {
      name: 'rtapp-input-is-below-the-experiments',
      comment: 'The rt-app reader and importer turn a workload into a scenario; they never run or render one.',
      severity: 'error',
      from: { path: '^src/rtapp/(grammar|import)\\.ts$' },
      to: { path: '^src/(engine|experiments|report|trace|isolation|advise|cli|index)|^src/rtapp/logs' },
    },
    {
      name: 'features-do-not-import-the-cli',
      comment: 'report, trace, isolation, advise and rtapp are used by the CLI, never the other way round.',
      severity: 'error',
      from: { path: '^src/(report|trace|isolation|advise|regress|rtapp)/' },
      to: { path: '^src/(cli|index)' },
    },
    {
      name: 'report-only-renders',
      comment:
        'src/report turns results into documents and charts: it may name the types of the layers below, ' +
        'and read the registry (models/index.ts, for colours), but never runs an engine, a model or an experiment.',
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: '^(src/engine/|src/experiments/|models/(xen|kvm)/)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'input-and-analysis-are-below-the-models',
      comment:
        'Scenario loading and schedulability analysis know nothing of models, experiments or outputs. ' +
        "The scenario extends the engine's types (src/engine/system.ts) and names its guest policies, so it may import the engine.",
      severity: 'error',
      from: { path: '^src/(scenario|analysis)/' },
      to: { path: '^(models/|src/(experiments|report|trace|isolation|advise|regress|rtapp|cli|metrics|index))' },
    },
    {
      name: 'no-circular',
      comment:
        'A cycle of runtime imports makes two modules one (and their load order fragile); split along the seam. ' +
        'Cycles through type-only imports (a class and the entity type it schedules) vanish at runtime and are allowed.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-tests-in-the-product',
      severity: 'error',
      from: { path: '^(src|models|bin)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // See type-only imports too: the engine must not name scenario types in the end.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
