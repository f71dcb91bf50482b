module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  restrictedTestImports: [
    {
      name: 'msw',
      importNames: ['http'],
      message:
        "Fake the apigee-credentials backend with `http` from @keyrotation/apigee-credentials-contract: it checks requests and replies against the backend's OpenAPI document.",
    },
  ],
  rules: {
    // The entity-tab scenarios (src/__testUtils__) hold the expectations; each frontend
    // system's test file runs them through `runScenario`.
    'jest/expect-expect': [
      'warn',
      { assertFunctionNames: ['expect', 'runScenario'] },
    ],
  },
});
