// @ts-check

/**
 * Bindings as last read from the catalog, valid or not. Valid ones are also upserted into
 * the engine's `bindings` table; invalid ones are kept here so the API can report them as
 * `misconfigured` with their reason. Identifiers and messages only, never key material.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('catalog_bindings', table => {
    table.comment('Binding annotations found in the catalog by the last sync');
    table
      .string('id', 255)
      .primary()
      .comment('<entity ref>#<environment>, lowercase');
    table.string('entity_ref', 255).notNullable();
    table.string('environment', 255).notNullable();
    table
      .string('owner_ref', 255)
      .nullable()
      .comment('spec.owner of the entity');
    table
      .text('error')
      .nullable()
      .comment('Why the annotation is invalid; null when valid');
    table
      .text('window')
      .nullable()
      .comment('Rotation window as JSON, when the binding has one');
    table.timestamp('synced_at', { useTz: true }).notNullable();
    table.index(['entity_ref'], 'catalog_bindings_entity_idx');
    table.index(['owner_ref'], 'catalog_bindings_owner_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('catalog_bindings');
};
