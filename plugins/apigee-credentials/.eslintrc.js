module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // The entity-tab scenarios (src/__testUtils__) hold the expectations; each frontend
    // system's test file runs them through `runScenario`.
    'jest/expect-expect': [
      'warn',
      { assertFunctionNames: ['expect', 'runScenario'] },
    ],
  },
});
