// @ts-check

/**
 * Ownership and the per-binding check schedule.
 *
 * - `owner_ref`: the entity's owner as the catalog says (a claim, verified against the
 *   ownership marks on the secret and the app).
 * - `ownership`: `verified` (both marks name the entity or its owner), `approved` (an admin
 *   approved this target), `unverified` (neither); null until the first check. Existing
 *   bindings start at null and are verified by their next check like any new binding.
 * - `approved_*`: an admin's approval, valid only while `target_hash` is unchanged.
 * - `current_version_id`: the Secrets Manager version that held AWSCURRENT at the last check
 *   or rotation; a check reads the secret's value only when AWSCURRENT moved off it.
 * - `next_check_at` / `rotation_due_at`: what the scheduled pass selects on.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('bindings', table => {
    table.string('owner_ref', 255).nullable();
    table.string('ownership', 16).nullable();
    table.text('ownership_reason').nullable();
    table.string('approved_by', 255).nullable();
    table.timestamp('approved_at', { useTz: true }).nullable();
    table.string('approved_target_hash', 64).nullable();
    table.string('current_version_id', 64).nullable();
    table.timestamp('next_check_at', { useTz: true }).nullable();
    table.timestamp('rotation_due_at', { useTz: true }).nullable();
    table.index(['next_check_at'], 'bindings_next_check_at_idx');
    table.index(['rotation_due_at'], 'bindings_rotation_due_at_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('bindings', table => {
    table.dropIndex([], 'bindings_next_check_at_idx');
    table.dropIndex([], 'bindings_rotation_due_at_idx');
    for (const column of [
      'owner_ref',
      'ownership',
      'ownership_reason',
      'approved_by',
      'approved_at',
      'approved_target_hash',
      'current_version_id',
      'next_check_at',
      'rotation_due_at',
    ]) {
      table.dropColumn(column);
    }
  });
};
