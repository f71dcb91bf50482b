module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  restrictedTestImports: [
    {
      name: 'msw',
      importNames: ['http'],
      message:
        "Fake the apigee-credentials backend with `http` from @keyrotation/apigee-credentials-contract: it checks requests and replies against the backend's OpenAPI document.",
    },
  ],
});
