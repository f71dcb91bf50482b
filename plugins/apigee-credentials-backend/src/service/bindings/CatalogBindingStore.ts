// The store lives in src/database/ with the others; src/service/router.ts still imports it
// from here until its rewrite does not.
export { CatalogBindingStore } from '../../database/CatalogBindingStore';
export type { CatalogBindingRow } from '../../database/CatalogBindingStore';
