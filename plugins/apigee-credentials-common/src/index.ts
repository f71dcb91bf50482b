/**
 * Types, permissions and annotation helpers shared by the frontend and backend
 * packages of the Apigee credentials plugin.
 *
 * @packageDocumentation
 */

export * from './permissions';
export * from './annotations';
export * from './bindings';
export * from './api';
