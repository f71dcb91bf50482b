/**
 * Node.js library of the Apigee credentials plugin: the key-provider contract and its
 * extension point, and helpers for other backend plugins and modules.
 *
 * @packageDocumentation
 */

export * from './KeyProvider';
export * from './extensions';
export { fingerprint } from './fingerprint';
