// @ts-check

/**
 * When each provision attempt started, by actor: the per-user provision quota counts the
 * attempts of the last hour across replicas.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('provisions', table => {
    table
      .timestamp('attempt_started_at', { useTz: true })
      .nullable()
      .comment('Start of the current attempt (a restart starts a new one)');
    table.index(['actor', 'attempt_started_at'], 'provisions_actor_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('provisions', table => {
    table.dropIndex(['actor', 'attempt_started_at'], 'provisions_actor_idx');
    table.dropColumn('attempt_started_at');
  });
};
