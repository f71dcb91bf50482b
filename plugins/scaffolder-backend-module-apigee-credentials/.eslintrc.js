module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  restrictedTestImports: [
    {
      name: 'msw',
      importNames: ['http'],
      message:
        "Fake the apigee-credentials backend with `http` from src/__testUtils__/openApiContract: it checks requests and replies against the backend's OpenAPI document.",
    },
  ],
});
