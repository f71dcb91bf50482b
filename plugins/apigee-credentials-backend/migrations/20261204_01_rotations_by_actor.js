// @ts-check

/**
 * Per-user quota of manual rotations: counts a user's recent rotations by trigger and start.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('rotations', table => {
    table.index(['actor', 'trigger', 'started_at'], 'rotations_actor_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('rotations', table => {
    table.dropIndex(['actor', 'trigger', 'started_at'], 'rotations_actor_idx');
  });
};
