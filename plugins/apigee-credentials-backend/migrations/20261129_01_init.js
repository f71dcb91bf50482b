// @ts-check

/**
 * Tables of the rotation engine. Only key FINGERPRINTS are stored, never key material.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('bindings', table => {
    table.comment(
      'Credentials bound to catalog entities, and what the engine knows of them',
    );
    table.string('id', 255).primary().comment('Stable binding id');
    table.string('entity_ref', 255).notNullable();
    table.string('environment', 255).notNullable();
    table.string('provider', 255).notNullable();
    table
      .string('target_hash', 64)
      .notNullable()
      .comment('Hash of provider, app and secret; a change resets adoption');
    table.text('spec').notNullable().comment('The binding as JSON');
    table.timestamp('adopted_at', { useTz: true }).nullable();
    table
      .timestamp('born_at', { useTz: true })
      .nullable()
      .comment('Issue time of the key in AWSCURRENT');
    table.string('current_key_fingerprint', 64).nullable();
    table
      .text('drift')
      .nullable()
      .comment('JSON array of drift problems; null when healthy');
    table.timestamp('checked_at', { useTz: true }).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.index(['entity_ref'], 'bindings_entity_ref_idx');
  });

  await knex.schema.createTable('rotations', table => {
    table.comment(
      'One row per rotation: a persisted state machine (see docs/protocol.md)',
    );
    table
      .string('id', 64)
      .primary()
      .comment(
        'Also the ClientRequestToken and VersionId of the new secret version',
      );
    table.string('binding_id', 255).notNullable();
    table
      .string('active_binding_id', 255)
      .nullable()
      .unique({ indexName: 'rotations_one_active_per_binding' })
      .comment('binding_id while the rotation is unfinished, null after');
    table.string('trigger', 32).notNullable();
    table.string('actor', 255).nullable();
    table.string('phase', 32).notNullable();
    table.string('failed_phase', 32).nullable();
    table.string('error_code', 32).nullable();
    table.text('error').nullable();
    table.string('old_key_fingerprint', 64).nullable();
    table.string('new_key_fingerprint', 64).nullable();
    table.string('previous_version_id', 64).nullable();
    table.timestamp('new_key_issued_at', { useTz: true }).nullable();
    table.integer('attempts').notNullable().defaultTo(1);
    table.timestamp('started_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.timestamp('associated_at', { useTz: true }).nullable();
    table.timestamp('promoted_at', { useTz: true }).nullable();
    table.timestamp('finished_at', { useTz: true }).nullable();
    table.index(['binding_id', 'started_at'], 'rotations_binding_idx');
  });

  await knex.schema.createTable('leases', table => {
    table.comment('Per-binding lease: one worker at a time, across replicas');
    table.string('binding_id', 255).primary();
    table
      .string('holder', 255)
      .notNullable()
      .comment('Engine instance that holds the lease');
    table
      .string('token', 64)
      .notNullable()
      .comment('Changes at every acquisition (fencing)');
    table.timestamp('acquired_at', { useTz: true }).notNullable();
    table.timestamp('expires_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('key_deletions', table => {
    table.comment(
      'Old keys to delete from Apigee once their grace period is over',
    );
    table.string('id', 64).primary();
    table.string('binding_id', 255).notNullable();
    table
      .string('rotation_id', 64)
      .notNullable()
      .unique({ indexName: 'key_deletions_rotation_idx' });
    table.string('key_fingerprint', 64).notNullable();
    table.timestamp('due_at', { useTz: true }).notNullable();
    table
      .string('status', 16)
      .notNullable()
      .comment('scheduled, deleted or blocked');
    table.integer('attempts').notNullable().defaultTo(0);
    table.text('last_error').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('deleted_at', { useTz: true }).nullable();
    table.index(['status', 'due_at'], 'key_deletions_due_idx');
    table.index(['binding_id'], 'key_deletions_binding_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('key_deletions');
  await knex.schema.dropTable('leases');
  await knex.schema.dropTable('rotations');
  await knex.schema.dropTable('bindings');
};
