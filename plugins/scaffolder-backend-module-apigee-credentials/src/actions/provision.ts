import type { ApigeeCredentialsService } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { ForwardedError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { examples } from './provision.examples';
import {
  ProvisionedIdentifiers,
  toProvisionedIdentifiers,
} from './provisionIdentifiers';
import { ProvisionActionInput, toProvisionRequest } from './provisionRequest';

/** The id templates use to call this action. */
export const PROVISION_ACTION_ID = 'apigee:credentials:provision';

// Same shapes the binding annotation accepts (apigee-credentials-common), so a template
// is told about a bad value before anything is created.
const PROVIDER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const APP = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;
const ENVIRONMENT = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:/;

/**
 * `apigee:credentials:provision`: creates the Apigee key and the AWS Secrets Manager secret of
 * a new consumer of an Apigee-auth proxy, through the apigee-credentials backend, on behalf of
 * the user who runs the template.
 *
 * @public
 */
export function createProvisionAction(options: {
  apigeeCredentials: ApigeeCredentialsService;
}) {
  const { apigeeCredentials } = options;

  return createTemplateAction({
    id: PROVISION_ACTION_ID,
    description:
      'Creates an Apigee developer-app key and stores it in an AWS Secrets Manager secret ' +
      '(pending, verified, then current), through the apigee-credentials backend and with the ' +
      'permissions of the user running the template. On failure the backend removes what it ' +
      'created. Outputs identifiers and the catalog annotations that bind the new component ' +
      'to the credential; never a key or secret.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        provider: z =>
          z
            .string()
            .regex(PROVIDER)
            .describe(
              'Key provider (an Apigee organisation) by its name in the apigee-credentials configuration',
            ),
        developer: z =>
          z
            .string()
            .min(1)
            .describe(
              'Apigee developer (e-mail) who owns the app; must already exist',
            ),
        app: z =>
          z
            .string()
            .regex(APP)
            .describe(
              'Apigee developer app; created when the developer has no app of that name',
            ),
        apiProducts: z =>
          z
            .array(z.string().min(1))
            .min(1)
            .describe('API products the new key is associated with'),
        environment: z =>
          z
            .string()
            .regex(ENVIRONMENT)
            .describe(
              'Environment of this credential (lowercase, e.g. prod); names the binding annotation',
            ),
        secret: z =>
          z
            .union([
              z
                .object({
                  name: z
                    .string()
                    .min(1)
                    .describe('Name of the secret to create'),
                  accountId: z
                    .string()
                    .regex(ACCOUNT_ID)
                    .describe('12-digit AWS account id'),
                  region: z
                    .string()
                    .regex(REGION)
                    .describe('AWS region, e.g. eu-west-1'),
                  kmsKeyId: z
                    .string()
                    .optional()
                    .describe(
                      "KMS key id or ARN; the account's default key when absent",
                    ),
                  tags: z
                    .record(z.string())
                    .optional()
                    .describe('Tags of the new secret'),
                  description: z
                    .string()
                    .optional()
                    .describe('Description of the new secret'),
                })
                .strict(),
              z
                .object({
                  arn: z
                    .string()
                    .regex(SECRET_ARN)
                    .describe(
                      'ARN of an existing secret to fill; its other JSON fields are kept',
                    ),
                })
                .strict(),
            ])
            .describe(
              'The secret to create ({ name, accountId, region, ... }) or an existing one to fill ({ arn })',
            ),
        owner: z =>
          z
            .string()
            .min(1)
            .describe(
              'Entity ref of the owner of the new component, e.g. group:default/team-orders',
            ),
        policy: z =>
          z
            .object({
              maxAge: z
                .string()
                .optional()
                .describe('Rotate when the key is this old, e.g. 90d'),
              gracePeriod: z
                .string()
                .optional()
                .describe(
                  'How long an old key stays valid after rotation, e.g. 24h',
                ),
              window: z
                .string()
                .optional()
                .describe(
                  'When scheduled rotations may start, e.g. "Mon-Fri 09:00-17:00 Europe/Berlin"',
                ),
            })
            .strict()
            .optional()
            .describe(
              'Rotation policy written into the binding annotation; plugin defaults when absent',
            ),
      },
      output: {
        environment: z => z.string().describe('The environment provisioned'),
        app: z =>
          z.string().describe('The Apigee developer app holding the key'),
        secretArn: z =>
          z
            .string()
            .optional()
            .describe('ARN of the secret (absent in a dry run creating it)'),
        keyFingerprint: z =>
          z
            .string()
            .optional()
            .describe('Fingerprint of the new key (absent in a dry run)'),
        annotations: z =>
          z
            .record(z.string())
            .describe(
              'Catalog annotations binding the new component to this credential',
            ),
      },
    },

    async handler(ctx) {
      const dryRun = ctx.isDryRun === true;
      const request = toProvisionRequest(ctx.input as ProvisionActionInput, {
        taskId: ctx.task.id,
        stepId: ctx.step?.id,
        dryRun,
      });
      const subject = `environment "${request.environment}" (app ${request.app} of ${request.developer}, provider ${request.provider})`;
      ctx.logger.info(
        `${
          dryRun ? 'Dry run: planning' : 'Provisioning'
        } Apigee credentials for ${subject}; request ${request.requestId}`,
      );

      const credentials = await ctx.getInitiatorCredentials();
      const provision = async (): Promise<ProvisionedIdentifiers> =>
        toProvisionedIdentifiers(
          request,
          await apigeeCredentials.provision(request, {
            credentials,
            signal: ctx.signal,
          }),
        );

      let provisioned: ProvisionedIdentifiers;
      try {
        // A dry run changes nothing, so it has nothing to remember; a real provision is
        // checkpointed so that a retried task reuses its identifiers.
        provisioned = dryRun
          ? await provision()
          : await ctx.checkpoint({
              key: `provision-${request.environment}-${request.app}`,
              fn: provision,
            });
      } catch (error) {
        throw new ForwardedError(
          `Could not provision Apigee credentials for ${subject}. The apigee-credentials ` +
            'backend removes whatever a failed request created, and retrying the task repeats ' +
            `request ${request.requestId} safely`,
          error,
        );
      }

      if (dryRun) {
        logPlan(ctx.logger, request.secret, provisioned);
      } else {
        ctx.logger.info(
          `Provisioned ${subject}: key ${provisioned.keyFingerprint}, secret ${provisioned.secretArn}` +
            ` (created: ${createdList(provisioned) || 'nothing new'})`,
        );
      }

      ctx.output('environment', provisioned.environment);
      ctx.output('app', provisioned.app);
      if (provisioned.secretArn) ctx.output('secretArn', provisioned.secretArn);
      if (provisioned.keyFingerprint)
        ctx.output('keyFingerprint', provisioned.keyFingerprint);
      ctx.output('annotations', provisioned.annotations);
    },
  });
}

function createdList(provisioned: ProvisionedIdentifiers): string {
  const { created } = provisioned;
  return [
    created.app && 'app',
    created.key && 'key',
    created.secret && 'secret',
  ]
    .filter(Boolean)
    .join(', ');
}

/** Says what a real run would do, from identifiers only. */
function logPlan(
  logger: { info(message: string): void },
  secret: ReturnType<typeof toProvisionRequest>['secret'],
  plan: ProvisionedIdentifiers,
) {
  const lines = [
    plan.created.app
      ? `create the developer app ${plan.app}`
      : `use the existing developer app ${plan.app}`,
    plan.created.key ? 'issue a new consumer key' : 'issue no new consumer key',
    'arn' in secret
      ? `fill the existing secret ${secret.arn}`
      : `${plan.created.secret ? 'create' : 'fill'} the secret ${
          secret.name
        } in account ${secret.accountId}, region ${secret.region}`,
    ...Object.keys(plan.annotations).map(
      key => `bind the component with annotation ${key}`,
    ),
  ];
  logger.info(
    `Dry run for environment "${plan.environment}": would ${lines.join(
      '; ',
    )}. Nothing was changed.`,
  );
}
