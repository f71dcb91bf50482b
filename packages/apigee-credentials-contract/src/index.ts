/**
 * Test helper of the apigee-credentials packages: msw handlers for the backend's REST API,
 * checked against its OpenAPI document. Private; used as a devDependency.
 *
 * @packageDocumentation
 */
export * from './openApiContract';
