// @ts-check

/**
 * Old keys are retired by traffic: a key whose grace period is over is deleted only when
 * Apigee analytics shows no calls with it, revoked at a deadline otherwise, and restorable
 * for a while after that (docs/key-retirement.md). Owners can also pause scheduled rotation
 * of a credential, and ask for the old key to be revoked as soon as a rotation finishes.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('key_deletions', table => {
    table.comment(
      'Old keys on their way out: traffic checks, revocation and deletion',
    );
    table
      .timestamp('next_attempt_at', { useTz: true })
      .nullable()
      .comment('Next traffic check or deletion attempt; due_at when null');
    table
      .timestamp('deadline_at', { useTz: true })
      .nullable()
      .comment(
        'When a key still in use is revoked; grace end + deadline when null',
      );
    table
      .timestamp('silent_since', { useTz: true })
      .nullable()
      .comment('First of the consecutive traffic checks that saw no calls');
    table
      .text('traffic')
      .nullable()
      .comment(
        'JSON: the last traffic check (counts, times, proxies, client IPs)',
      );
    table
      .string('notified_state', 32)
      .nullable()
      .comment('The last state the owners were told about');
    table.timestamp('revoked_at', { useTz: true }).nullable();
    table
      .string('revoked_by', 255)
      .nullable()
      .comment('User entity ref; null when the deadline revoked the key');
    table.timestamp('restorable_until', { useTz: true }).nullable();
    table
      .timestamp('successor_first_used_at', { useTz: true })
      .nullable()
      .comment(
        'When a check first saw calls with the key that replaced this one',
      );
    table.index(['next_attempt_at'], 'key_deletions_next_attempt_idx');
  });

  await knex.schema.createTable('old_key_revocation_requests', table => {
    table.comment(
      'Rotations whose old key is revoked as soon as they finish (a leaked key)',
    );
    table.string('rotation_id', 64).primary();
    table.string('requested_by', 255).notNullable();
    table.timestamp('requested_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('rotation_pauses', table => {
    table.comment('Credentials whose scheduled rotation an owner paused');
    table.string('binding_id', 255).primary();
    table.string('paused_by', 255).notNullable();
    table.timestamp('paused_at', { useTz: true }).notNullable();
    table.string('reason', 500).notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('rotation_pauses');
  await knex.schema.dropTable('old_key_revocation_requests');
  await knex.schema.alterTable('key_deletions', table => {
    table.dropIndex(['next_attempt_at'], 'key_deletions_next_attempt_idx');
    for (const column of [
      'next_attempt_at',
      'deadline_at',
      'silent_since',
      'traffic',
      'notified_state',
      'revoked_at',
      'revoked_by',
      'restorable_until',
      'successor_first_used_at',
    ]) {
      table.dropColumn(column);
    }
  });
};
