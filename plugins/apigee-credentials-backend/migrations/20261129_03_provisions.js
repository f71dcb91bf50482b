// @ts-check

/**
 * Provisioning requests (POST /v1/provisions), keyed by the caller's idempotency key. A row
 * records what the request created, step by step, so that a repeated request returns the
 * first result and a crashed one can be undone. Identifiers only, never key material.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('provisions', table => {
    table.comment('Provisioning requests and what each one created');
    table.string('request_id', 255).primary().comment('Caller idempotency key');
    table
      .string('id', 36)
      .notNullable()
      .unique()
      .comment('Internal id: secret version token and secret tag value');
    table
      .string('request_hash', 64)
      .notNullable()
      .comment(
        'sha256 of the request, to refuse a reused key with other input',
      );
    table.string('actor', 255).notNullable();
    table
      .string('state', 32)
      .notNullable()
      .comment('running | completed | failed');
    table
      .text('progress')
      .notNullable()
      .comment('JSON: what was created so far (identifiers and flags)');
    table.text('result').nullable().comment('JSON ProvisionResult when done');
    table.text('error').nullable();
    table
      .timestamp('lease_until', { useTz: true })
      .nullable()
      .comment('A running request whose lease expired was abandoned');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.index(['state', 'lease_until'], 'provisions_state_lease_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('provisions');
};
