/**
 * Node.js library of the Apigee credentials plugin: the key-provider contract and its
 * extension point, and helpers for other backend plugins and modules.
 *
 * @packageDocumentation
 */

export * from './KeyProvider';
export * from './errors';
export * from './extensions';
export { assessKeyUsability } from './usability';
export type { AssessKeyUsabilityOptions } from './usability';
export { fingerprint } from './fingerprint';
export * from './client';
