/* eslint jest/expect-expect: ["warn", { "assertFunctionNames": ["expect", "expectAwsError"] }] */
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretsCommandInput,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { expectAwsError } from './__testUtils__/expectAwsError';
import {
  ACCOUNT_ID,
  DAY_MS,
  HOUR_MS,
  OTHER_ACCESS_KEY_ID,
  OTHER_ACCOUNT_ID,
  REGION,
  startTestServer,
  TestServer,
} from './__testUtils__/server';

let server: TestServer;
let sm: SecretsManagerClient;

beforeEach(async () => {
  server = await startTestServer();
  sm = server.client();
});

afterEach(async () => {
  await server.close();
});

const token = () => randomUUID();

async function createSecret(name: string, value = 'v1') {
  const created = await sm.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: value,
      ClientRequestToken: token(),
    }),
  );
  return { arn: created.ARN!, versionId: created.VersionId! };
}

async function put(
  secretId: string,
  value: string,
  extra: { token?: string; stages?: string[] } = {},
) {
  return sm.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      SecretString: value,
      ClientRequestToken: extra.token ?? token(),
      VersionStages: extra.stages,
    }),
  );
}

async function stagesOf(secretId: string): Promise<Record<string, string[]>> {
  const described = await sm.send(
    new DescribeSecretCommand({ SecretId: secretId }),
  );
  return Object.fromEntries(
    Object.entries(described.VersionIdsToStages ?? {}).map(([id, s]) => [
      id,
      [...s].sort(),
    ]),
  );
}

async function currentValue(secretId: string, stage?: string) {
  const got = await sm.send(
    new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
  );
  return got.SecretString;
}

describe('CreateSecret', () => {
  it('creates the first version with AWSCURRENT and an ARN with a 6-character suffix', async () => {
    const id = token();
    const created = await sm.send(
      new CreateSecretCommand({
        Name: 'apps/orders/apigee',
        SecretString: '{"consumerKey":"k1"}',
        ClientRequestToken: id,
        Description: 'Orders credential',
      }),
    );
    expect(created.ARN).toMatch(
      new RegExp(
        `^arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:apps/orders/apigee-[A-Za-z0-9]{6}$`,
      ),
    );
    expect(created).toMatchObject({
      Name: 'apps/orders/apigee',
      VersionId: id,
    });
    expect(await stagesOf('apps/orders/apigee')).toEqual({
      [id]: ['AWSCURRENT'],
    });

    const got = await sm.send(
      new GetSecretValueCommand({ SecretId: 'apps/orders/apigee' }),
    );
    expect(got).toMatchObject({
      ARN: created.ARN,
      Name: 'apps/orders/apigee',
      VersionId: id,
      SecretString: '{"consumerKey":"k1"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(got.CreatedDate).toEqual(server.clock.now());
  });

  it('returns the same response for the same ClientRequestToken and value (verified on AWS)', async () => {
    const input = {
      Name: 'idem',
      SecretString: 'same',
      ClientRequestToken: token(),
    };
    const first = await sm.send(new CreateSecretCommand(input));
    const again = await sm.send(new CreateSecretCommand(input));
    expect({ ...again, $metadata: undefined }).toEqual({
      ...first,
      $metadata: undefined,
    });
    expect(Object.keys(await stagesOf('idem'))).toHaveLength(1);
  });

  it('refuses an existing name with ResourceExistsException and the AWS message', async () => {
    await createSecret('taken');
    await expectAwsError(
      sm.send(
        new CreateSecretCommand({
          Name: 'taken',
          SecretString: 'x',
          ClientRequestToken: token(),
        }),
      ),
      {
        name: 'ResourceExistsException',
        message:
          'The operation failed because the secret taken already exists.',
      },
    );
  });

  it('creates a secret without a value: no version, and GetSecretValue is ResourceNotFound', async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: 'empty' }));
    expect(created.VersionId).toBeUndefined();
    const described = await sm.send(
      new DescribeSecretCommand({ SecretId: 'empty' }),
    );
    expect(described.VersionIdsToStages).toBeUndefined();
    await expectAwsError(
      sm.send(new GetSecretValueCommand({ SecretId: 'empty' })),
      {
        name: 'ResourceNotFoundException',
        message:
          "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
      },
    );
  });

  it('stores SecretBinary and returns the same bytes (base64 on the wire)', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await sm.send(
      new CreateSecretCommand({ Name: 'bin', SecretBinary: bytes }),
    );
    const got = await sm.send(new GetSecretValueCommand({ SecretId: 'bin' }));
    expect(got.SecretString).toBeUndefined();
    expect(Array.from(got.SecretBinary!)).toEqual(Array.from(bytes));
  });

  it('refuses a value given both as string and binary, and names with other characters', async () => {
    await expectAwsError(
      sm.send(
        new CreateSecretCommand({
          Name: 'both',
          SecretString: 'a',
          SecretBinary: new Uint8Array([1]),
        }),
      ),
      { name: 'InvalidParameterException' },
    );
    await expectAwsError(
      sm.send(
        new CreateSecretCommand({ Name: 'bad name!', SecretString: 'a' }),
      ),
      {
        name: 'ValidationException',
        message: /Invalid name/,
      },
    );
  });
});

describe('SecretId resolution and caller identity', () => {
  it('accepts the name, the complete ARN and the partial ARN without the suffix', async () => {
    const { arn } = await createSecret('team/db', 'value');
    const partial = arn.slice(0, -7);
    for (const id of ['team/db', arn, partial]) {
      expect(await currentValue(id)).toBe('value');
    }
  });

  it('answers an unknown secret with ResourceNotFoundException, HTTP 400', async () => {
    await expectAwsError(
      sm.send(new GetSecretValueCommand({ SecretId: 'missing' })),
      {
        name: 'ResourceNotFoundException',
        status: 400,
        message: "Secrets Manager can't find the specified secret.",
      },
    );
  });

  it('keeps accounts and Regions apart: the Region comes from the credential scope', async () => {
    const { arn } = await createSecret('shared-name', 'mine');
    const other = server.client({
      credentials: { accessKeyId: OTHER_ACCESS_KEY_ID, secretAccessKey: 'x' },
    });
    await expectAwsError(
      other.send(new GetSecretValueCommand({ SecretId: 'shared-name' })),
      {
        name: 'ResourceNotFoundException',
      },
    );
    // No resource policies in the sandbox: another account's ARN is denied.
    await expectAwsError(
      other.send(new GetSecretValueCommand({ SecretId: arn })),
      {
        name: 'AccessDeniedException',
        message: new RegExp(
          `arn:aws:iam::${OTHER_ACCOUNT_ID}:.*secretsmanager:GetSecretValue`,
        ),
      },
    );
    const otherRegion = server.client({ region: 'us-east-1' });
    await expectAwsError(
      otherRegion.send(new GetSecretValueCommand({ SecretId: 'shared-name' })),
      {
        name: 'ResourceNotFoundException',
      },
    );
    // The same name in another account is a different secret.
    await other.send(
      new CreateSecretCommand({ Name: 'shared-name', SecretString: 'theirs' }),
    );
    expect(
      (await other.send(new GetSecretValueCommand({ SecretId: 'shared-name' })))
        .SecretString,
    ).toBe('theirs');
    expect(await currentValue('shared-name')).toBe('mine');
  });

  it('rejects an unknown access key with UnrecognizedClientException', async () => {
    const stranger = server.client({
      credentials: {
        accessKeyId: 'TESTUNKNOWN000000000',
        secretAccessKey: 'x',
      },
    });
    await expectAwsError(stranger.send(new ListSecretsCommand({})), {
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });
});

describe('DescribeSecret', () => {
  it('returns only fields that have a value, and LastAccessedDate at day resolution', async () => {
    const { versionId } = await createSecret('plain');
    const raw = await server.raw('DescribeSecret', { SecretId: 'plain' });
    expect(Object.keys(raw.json).sort()).toEqual(
      [
        'ARN',
        'CreatedDate',
        'LastChangedDate',
        'Name',
        'VersionIdsToStages',
      ].sort(),
    );
    expect(raw.json.VersionIdsToStages).toEqual({
      [versionId]: ['AWSCURRENT'],
    });

    server.clock.advance(5 * HOUR_MS);
    await currentValue('plain');
    const described = await sm.send(
      new DescribeSecretCommand({ SecretId: 'plain' }),
    );
    expect(described.LastAccessedDate).toEqual(
      new Date('2025-03-01T00:00:00.000Z'),
    );
    expect(described.RotationEnabled).toBeUndefined();
    expect(described.DeletedDate).toBeUndefined();
  });

  it('reports description, KMS key id and tags when set', async () => {
    await sm.send(
      new CreateSecretCommand({
        Name: 'full',
        SecretString: 'x',
        Description: 'desc',
        KmsKeyId: 'alias/custom',
        Tags: [{ Key: 'owner', Value: 'team-a' }],
      }),
    );
    const described = await sm.send(
      new DescribeSecretCommand({ SecretId: 'full' }),
    );
    expect(described).toMatchObject({
      Description: 'desc',
      KmsKeyId: 'alias/custom',
      Tags: [{ Key: 'owner', Value: 'team-a' }],
    });
  });
});

describe('GetSecretValue', () => {
  it('selects by VersionStage or VersionId and checks that both name the same version', async () => {
    const { versionId: v1 } = await createSecret('sel', 'one');
    const { VersionId: v2 } = await put('sel', 'two');
    expect(await currentValue('sel')).toBe('two');
    expect(await currentValue('sel', 'AWSPREVIOUS')).toBe('one');
    const byId = await sm.send(
      new GetSecretValueCommand({ SecretId: 'sel', VersionId: v1 }),
    );
    expect(byId).toMatchObject({
      SecretString: 'one',
      VersionStages: ['AWSPREVIOUS'],
    });
    await expectAwsError(
      sm.send(
        new GetSecretValueCommand({
          SecretId: 'sel',
          VersionId: v2,
          VersionStage: 'AWSPREVIOUS',
        }),
      ),
      { name: 'InvalidRequestException' },
    );
  });

  it('gives the AWS messages for an unknown label and an unknown version id', async () => {
    await createSecret('msg');
    await expectAwsError(
      sm.send(
        new GetSecretValueCommand({
          SecretId: 'msg',
          VersionStage: 'AWSPENDING',
        }),
      ),
      {
        name: 'ResourceNotFoundException',
        message:
          "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
      },
    );
    const unknown = token();
    await expectAwsError(
      sm.send(
        new GetSecretValueCommand({ SecretId: 'msg', VersionId: unknown }),
      ),
      {
        name: 'ResourceNotFoundException',
        message: `Secrets Manager can't find the specified secret value for VersionId: ${unknown}`,
      },
    );
  });
});

describe('PutSecretValue staging labels', () => {
  it('moves AWSCURRENT to the new version and AWSPREVIOUS to the one it left', async () => {
    const { versionId: v1 } = await createSecret('rot', 'one');
    const second = await put('rot', 'two');
    expect(second.VersionStages).toEqual(['AWSCURRENT']);
    expect(await stagesOf('rot')).toEqual({
      [v1]: ['AWSPREVIOUS'],
      [second.VersionId!]: ['AWSCURRENT'],
    });

    const third = await put('rot', 'three');
    // v1 lost its last label: deprecated, so no longer in VersionIdsToStages.
    expect(await stagesOf('rot')).toEqual({
      [second.VersionId!]: ['AWSPREVIOUS'],
      [third.VersionId!]: ['AWSCURRENT'],
    });
  });

  it('with VersionStages [AWSPENDING] leaves AWSCURRENT alone and moves AWSPENDING implicitly', async () => {
    const { versionId: v1 } = await createSecret('pend', 'one');
    const p1 = await put('pend', 'two', { stages: ['AWSPENDING'] });
    expect(p1.VersionStages).toEqual(['AWSPENDING']);
    expect(await currentValue('pend')).toBe('one');
    const p2 = await put('pend', 'three', { stages: ['AWSPENDING'] });
    expect(await stagesOf('pend')).toEqual({
      [v1]: ['AWSCURRENT'],
      [p2.VersionId!]: ['AWSPENDING'],
    });
  });

  it('gives the first version of a secret AWSCURRENT even when other labels are requested', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'later' }));
    const first = await put('later', 'value', { stages: ['AWSPENDING'] });
    expect([...first.VersionStages!].sort()).toEqual([
      'AWSCURRENT',
      'AWSPENDING',
    ]);
    expect(await currentValue('later')).toBe('value');
  });

  it('keeps the other labels of the old AWSCURRENT version (unlike moto)', async () => {
    const { versionId: v1 } = await createSecret('keep', 'one');
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'keep',
        VersionStage: 'BLUE',
        MoveToVersionId: v1,
      }),
    );
    const { VersionId: v2 } = await put('keep', 'two');
    expect(await stagesOf('keep')).toEqual({
      [v1]: ['AWSPREVIOUS', 'BLUE'],
      [v2!]: ['AWSCURRENT'],
    });
  });

  it('is idempotent for the same token and value; the response carries the current labels', async () => {
    await createSecret('idem-put', 'one');
    const t = token();
    const first = await put('idem-put', 'two', { token: t });
    const again = await put('idem-put', 'two', { token: t });
    expect(again).toMatchObject({
      VersionId: t,
      VersionStages: ['AWSCURRENT'],
      ARN: first.ARN,
    });
    expect(Object.keys(await stagesOf('idem-put'))).toHaveLength(2);
    const versions = await sm.send(
      new ListSecretVersionIdsCommand({
        SecretId: 'idem-put',
        IncludeDeprecated: true,
      }),
    );
    expect(versions.Versions).toHaveLength(2);
  });

  it('refuses the same token with another value: ResourceExistsException with the AWS message', async () => {
    const { arn } = await createSecret('clash', 'one');
    const t = token();
    await put('clash', 'two', { token: t, stages: ['AWSPENDING'] });
    // Even for an AWSPENDING version, which moto overwrites.
    await expectAwsError(
      put('clash', 'other', { token: t, stages: ['AWSPENDING'] }),
      {
        name: 'ResourceExistsException',
        message: `You can't use ClientRequestToken ${t} because that value is already in use for a version of secret ${arn}.`,
      },
    );
    expect(await currentValue('clash', 'AWSPENDING')).toBe('two');
  });
});

describe('AWSPENDING placeholders without a value', () => {
  it('are invisible to GetSecretValue and ListSecretVersionIds, visible in DescribeSecret, and filled by PutSecretValue', async () => {
    const { versionId: v1 } = await createSecret('ph', 'one');
    const t = token();
    server.store.addPendingPlaceholder({
      accountId: ACCOUNT_ID,
      region: REGION,
      secretId: 'ph',
      clientRequestToken: t,
    });

    await expectAwsError(
      sm.send(
        new GetSecretValueCommand({
          SecretId: 'ph',
          VersionId: t,
          VersionStage: 'AWSPENDING',
        }),
      ),
      { name: 'ResourceNotFoundException' },
    );
    expect(await stagesOf('ph')).toEqual({
      [v1]: ['AWSCURRENT'],
      [t]: ['AWSPENDING'],
    });
    const listed = await sm.send(
      new ListSecretVersionIdsCommand({
        SecretId: 'ph',
        IncludeDeprecated: true,
      }),
    );
    expect(listed.Versions!.map(v => v.VersionId)).toEqual([v1]);

    const filled = await put('ph', 'two', { token: t, stages: ['AWSPENDING'] });
    expect(filled).toMatchObject({
      VersionId: t,
      VersionStages: ['AWSPENDING'],
    });
    const got = await sm.send(
      new GetSecretValueCommand({
        SecretId: 'ph',
        VersionId: t,
        VersionStage: 'AWSPENDING',
      }),
    );
    expect(got.SecretString).toBe('two');
  });
});

describe('UpdateSecretVersionStage', () => {
  it('requires RemoveFromVersionId to move AWSCURRENT: InvalidParameterException with the AWS message', async () => {
    const { versionId: v1 } = await createSecret('mv', 'one');
    const { VersionId: v2 } = await put('mv', 'two', {
      stages: ['AWSPENDING'],
    });
    await expectAwsError(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'mv',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: v2,
        }),
      ),
      {
        name: 'InvalidParameterException',
        message: `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${v1}, so you must explicitly reference that version in RemoveFromVersionId.`,
      },
    );
  });

  it('requires RemoveFromVersionId for any label attached elsewhere, not only AWSCURRENT', async () => {
    await createSecret('any', 'one');
    const { VersionId: p } = await put('any', 'two', {
      stages: ['AWSPENDING'],
    });
    const { VersionId: q } = await put('any', 'three', { stages: ['OTHER'] });
    await expectAwsError(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'any',
          VersionStage: 'AWSPENDING',
          MoveToVersionId: q,
        }),
      ),
      {
        name: 'InvalidParameterException',
        message: /RemoveFromVersionId can't be empty. Staging label AWSPENDING/,
      },
    );
    // A RemoveFromVersionId that doesn't hold the label fails too.
    await expectAwsError(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'any',
          VersionStage: 'AWSPENDING',
          MoveToVersionId: q,
          RemoveFromVersionId: q,
        }),
      ),
      { name: 'InvalidParameterException' },
    );
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'any',
        VersionStage: 'AWSPENDING',
        MoveToVersionId: q,
        RemoveFromVersionId: p,
      }),
    );
    const stages = await stagesOf('any');
    expect(stages[q!]).toEqual(['AWSPENDING', 'OTHER']);
    expect(stages[p!]).toBeUndefined(); // no label left: deprecated
  });

  it('moves AWSPREVIOUS with AWSCURRENT, keeps AWSPENDING, and GetSecretValue follows (unlike moto)', async () => {
    const { versionId: v1 } = await createSecret('promote', 'old');
    const { VersionId: v2 } = await put('promote', 'new', {
      stages: ['AWSPENDING'],
    });
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'promote',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v2,
        RemoveFromVersionId: v1,
      }),
    );
    // Observed on real AWS: the new version has AWSCURRENT and still AWSPENDING.
    expect(await stagesOf('promote')).toEqual({
      [v1]: ['AWSPREVIOUS'],
      [v2!]: ['AWSCURRENT', 'AWSPENDING'],
    });
    expect(await currentValue('promote')).toBe('new');
  });

  it('removes a label with RemoveFromVersionId only; a version left without labels is deprecated', async () => {
    await createSecret('rm', 'one');
    const { VersionId: p } = await put('rm', 'two', { stages: ['AWSPENDING'] });
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'rm',
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: p,
      }),
    );
    const visible = await sm.send(
      new ListSecretVersionIdsCommand({ SecretId: 'rm' }),
    );
    expect(visible.Versions!.map(v => v.VersionId)).not.toContain(p);
    const all = await sm.send(
      new ListSecretVersionIdsCommand({
        SecretId: 'rm',
        IncludeDeprecated: true,
      }),
    );
    const deprecated = all.Versions!.find(v => v.VersionId === p)!;
    expect(deprecated.VersionStages ?? []).toEqual([]);
  });

  it('does not duplicate a label the version already has, and refuses unknown versions', async () => {
    const { versionId: v1 } = await createSecret('dup', 'one');
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'dup',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v1,
      }),
    );
    expect(await stagesOf('dup')).toEqual({ [v1]: ['AWSCURRENT'] });
    await expectAwsError(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'dup',
          VersionStage: 'X',
          MoveToVersionId: token(),
        }),
      ),
      { name: 'InvalidParameterException' },
    );
  });
});

describe('ListSecretVersionIds', () => {
  it('pages with MaxResults/NextToken, reports the ARN and each version’s own CreatedDate', async () => {
    const { arn, versionId: v1 } = await createSecret('pages', 'v0');
    const created = [v1];
    for (let i = 1; i < 5; i++) {
      server.clock.advance(HOUR_MS);
      created.push((await put('pages', `v${i}`)).VersionId!);
    }
    const seen: string[] = [];
    let nextToken: string | undefined;
    let calls = 0;
    do {
      const page = await sm.send(
        new ListSecretVersionIdsCommand({
          SecretId: 'pages',
          MaxResults: 2,
          NextToken: nextToken,
          IncludeDeprecated: true,
        }),
      );
      expect(page.ARN).toBe(arn);
      expect(page.Versions!.length).toBeLessThanOrEqual(2);
      seen.push(...page.Versions!.map(v => v.VersionId!));
      nextToken = page.NextToken;
      calls++;
    } while (nextToken);
    expect(calls).toBe(3);
    expect(seen.sort()).toEqual([...created].sort());

    const labelled = await sm.send(
      new ListSecretVersionIdsCommand({ SecretId: 'pages' }),
    );
    expect(labelled.NextToken).toBeUndefined();
    expect(labelled.Versions!.map(v => v.VersionId).sort()).toEqual(
      [created[3], created[4]].sort(),
    );
    const first = (
      await sm.send(
        new ListSecretVersionIdsCommand({
          SecretId: 'pages',
          IncludeDeprecated: true,
        }),
      )
    ).Versions!.find(v => v.VersionId === v1)!;
    expect(first.CreatedDate).toEqual(new Date('2025-03-01T10:00:00.000Z'));
  });

  it('rejects a NextToken it did not issue with InvalidNextTokenException', async () => {
    await createSecret('tok');
    await expectAwsError(
      sm.send(
        new ListSecretVersionIdsCommand({
          SecretId: 'tok',
          NextToken: 'not-a-token',
        }),
      ),
      { name: 'InvalidNextTokenException' },
    );
  });
});

describe('ListSecrets (filters and paging)', () => {
  beforeEach(async () => {
    const specs = [
      {
        Name: 'prod/orders',
        Description: 'Orders API key',
        Tags: [{ Key: 'team', Value: 'checkout' }],
      },
      {
        Name: 'prod/payments',
        Description: 'payments key',
        Tags: [{ Key: 'team', Value: 'payments' }],
      },
      {
        Name: 'dev/orders',
        Description: 'Dev orders',
        Tags: [{ Key: 'env', Value: 'dev' }],
      },
      { Name: 'Prod/legacy' },
    ];
    for (const spec of specs) {
      server.clock.advance(1000);
      await sm.send(new CreateSecretCommand({ ...spec, SecretString: 'x' }));
    }
  });

  const names = async (input: ListSecretsCommandInput) =>
    ((await sm.send(new ListSecretsCommand(input))).SecretList ?? []).map(
      s => s.Name,
    );

  it('filters by name prefix (case-sensitive), tag key, tag value and description (case-insensitive)', async () => {
    expect(
      await names({ Filters: [{ Key: 'name', Values: ['prod/'] }] }),
    ).toEqual(['prod/orders', 'prod/payments']);
    expect(
      await names({ Filters: [{ Key: 'tag-key', Values: ['team'] }] }),
    ).toEqual(['prod/orders', 'prod/payments']);
    expect(
      await names({ Filters: [{ Key: 'tag-value', Values: ['pay', 'dev'] }] }),
    ).toEqual(['prod/payments', 'dev/orders']);
    expect(
      await names({ Filters: [{ Key: 'description', Values: ['orders'] }] }),
    ).toEqual(['prod/orders']);
    expect(
      await names({ Filters: [{ Key: 'description', Values: ['DEV'] }] }),
    ).toEqual(['dev/orders']);
  });

  it('ANDs filters and supports ! negation', async () => {
    expect(
      await names({
        Filters: [
          { Key: 'name', Values: ['prod/'] },
          { Key: 'tag-value', Values: ['!payments'] },
        ],
      }),
    ).toEqual(['prod/orders']);
  });

  it('pages with MaxResults and NextToken, sorted by creation date', async () => {
    const first = await sm.send(new ListSecretsCommand({ MaxResults: 3 }));
    expect(first.SecretList!.map(s => s.Name)).toEqual([
      'prod/orders',
      'prod/payments',
      'dev/orders',
    ]);
    expect(first.NextToken).toBeDefined();
    const second = await sm.send(
      new ListSecretsCommand({ MaxResults: 3, NextToken: first.NextToken }),
    );
    expect(second.SecretList!.map(s => s.Name)).toEqual(['Prod/legacy']);
    expect(second.NextToken).toBeUndefined();
    expect(await names({ SortOrder: 'desc', MaxResults: 1 })).toEqual([
      'Prod/legacy',
    ]);
  });

  it('lists SecretVersionsToStages and leaves out secrets scheduled for deletion unless asked', async () => {
    await sm.send(new DeleteSecretCommand({ SecretId: 'dev/orders' }));
    expect(await names({})).not.toContain('dev/orders');
    expect(await names({ IncludePlannedDeletion: true })).toContain(
      'dev/orders',
    );
    const listed = await sm.send(
      new ListSecretsCommand({
        Filters: [{ Key: 'name', Values: ['prod/orders'] }],
      }),
    );
    expect(
      Object.values(listed.SecretList![0].SecretVersionsToStages!),
    ).toEqual([['AWSCURRENT']]);
  });
});

describe('TagResource / UntagResource', () => {
  it('appends tags, replaces the value of an existing key, and removes keys', async () => {
    await sm.send(
      new CreateSecretCommand({
        Name: 'tags',
        SecretString: 'x',
        Tags: [{ Key: 'a', Value: '1' }],
      }),
    );
    await sm.send(
      new TagResourceCommand({
        SecretId: 'tags',
        Tags: [
          { Key: 'b', Value: '2' },
          { Key: 'a', Value: '9' },
        ],
      }),
    );
    let described = await sm.send(
      new DescribeSecretCommand({ SecretId: 'tags' }),
    );
    expect(described.Tags).toEqual([
      { Key: 'a', Value: '9' },
      { Key: 'b', Value: '2' },
    ]);
    await sm.send(
      new UntagResourceCommand({ SecretId: 'tags', TagKeys: ['a'] }),
    );
    described = await sm.send(new DescribeSecretCommand({ SecretId: 'tags' }));
    expect(described.Tags).toEqual([{ Key: 'b', Value: '2' }]);
  });
});

describe('DeleteSecret / RestoreSecret', () => {
  it('schedules deletion: reads and writes fail with InvalidRequestException, DescribeSecret still works', async () => {
    const { versionId } = await createSecret('doomed', 'value');
    const deleted = await sm.send(
      new DeleteSecretCommand({ SecretId: 'doomed', RecoveryWindowInDays: 7 }),
    );
    expect(deleted.DeletionDate).toEqual(
      new Date(server.clock.now().getTime() + 7 * DAY_MS),
    );

    const marked =
      "You can't perform this operation on the secret because it was marked for deletion.";
    await expectAwsError(
      sm.send(new GetSecretValueCommand({ SecretId: 'doomed' })),
      {
        name: 'InvalidRequestException',
        message: marked,
      },
    );
    await expectAwsError(put('doomed', 'new'), {
      name: 'InvalidRequestException',
      message: marked,
    });
    await expectAwsError(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'doomed',
          VersionStage: 'X',
          MoveToVersionId: versionId,
        }),
      ),
      { name: 'InvalidRequestException' },
    );
    await expectAwsError(
      sm.send(
        new TagResourceCommand({
          SecretId: 'doomed',
          Tags: [{ Key: 'k', Value: 'v' }],
        }),
      ),
      {
        name: 'InvalidRequestException',
      },
    );
    await expectAwsError(
      sm.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'x' })),
      {
        name: 'InvalidRequestException',
        message:
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
      },
    );
    await expectAwsError(
      sm.send(new DeleteSecretCommand({ SecretId: 'doomed' })),
      {
        name: 'InvalidRequestException',
      },
    );
    const described = await sm.send(
      new DescribeSecretCommand({ SecretId: 'doomed' }),
    );
    expect(described.DeletedDate).toEqual(server.clock.now());

    await sm.send(new RestoreSecretCommand({ SecretId: 'doomed' }));
    expect(await currentValue('doomed')).toBe('value');
  });

  it('removes the secret for good once the recovery window has passed (default 30 days)', async () => {
    await createSecret('expiring', 'value');
    const deleted = await sm.send(
      new DeleteSecretCommand({ SecretId: 'expiring' }),
    );
    expect(deleted.DeletionDate).toEqual(
      new Date(server.clock.now().getTime() + 30 * DAY_MS),
    );
    server.clock.advance(30 * DAY_MS);
    await expectAwsError(
      sm.send(new DescribeSecretCommand({ SecretId: 'expiring' })),
      {
        name: 'ResourceNotFoundException',
      },
    );
    await createSecret('expiring', 'reborn');
    expect(await currentValue('expiring')).toBe('reborn');
  });

  it('deletes at once with ForceDeleteWithoutRecovery, also for a missing secret', async () => {
    await createSecret('gone', 'value');
    await sm.send(
      new DeleteSecretCommand({
        SecretId: 'gone',
        ForceDeleteWithoutRecovery: true,
      }),
    );
    await expectAwsError(
      sm.send(new DescribeSecretCommand({ SecretId: 'gone' })),
      {
        name: 'ResourceNotFoundException',
      },
    );
    await sm.send(
      new DeleteSecretCommand({
        SecretId: 'never-existed',
        ForceDeleteWithoutRecovery: true,
      }),
    );
  });

  it('validates the recovery options', async () => {
    await createSecret('opts');
    await expectAwsError(
      sm.send(
        new DeleteSecretCommand({
          SecretId: 'opts',
          RecoveryWindowInDays: 7,
          ForceDeleteWithoutRecovery: true,
        }),
      ),
      {
        name: 'InvalidParameterException',
        message:
          /ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays/,
      },
    );
    await expectAwsError(
      sm.send(
        new DeleteSecretCommand({ SecretId: 'opts', RecoveryWindowInDays: 3 }),
      ),
      {
        name: 'InvalidParameterException',
        message:
          'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
      },
    );
  });
});

describe('version quota', () => {
  it('keeps versions younger than 24 h: past 100 versions PutSecretValue fails with LimitExceededException', async () => {
    await createSecret('busy', 'v0');
    for (let i = 1; i < 100; i++) await put('busy', `v${i}`);
    await expectAwsError(put('busy', 'v100'), {
      name: 'LimitExceededException',
    });

    // A day later the oldest unlabeled version can go, so the write succeeds and 100 remain.
    server.clock.advance(DAY_MS);
    await put('busy', 'v100');
    const all = await sm.send(
      new ListSecretVersionIdsCommand({
        SecretId: 'busy',
        IncludeDeprecated: true,
      }),
    );
    expect(all.Versions).toHaveLength(100);
    expect(await currentValue('busy')).toBe('v100');
    expect(await currentValue('busy', 'AWSPREVIOUS')).toBe('v99');
  });

  it('LimitExceededException is retried by the JS SDK as throttling', async () => {
    const small = await startTestServer({ maxVersionsPerSecret: 2 });
    try {
      const client = small.client({ maxAttempts: 2 });
      await client.send(
        new CreateSecretCommand({ Name: 's', SecretString: 'a' }),
      );
      await client.send(
        new PutSecretValueCommand({ SecretId: 's', SecretString: 'b' }),
      );
      small.faults.resetCounters();
      await expectAwsError(
        client.send(
          new PutSecretValueCommand({ SecretId: 's', SecretString: 'c' }),
        ),
        {
          name: 'LimitExceededException',
        },
      );
      expect(small.faults.callCount('secretsmanager.PutSecretValue')).toBe(2);
    } finally {
      await small.close();
    }
  });
});

describe('fault injection, as the SDK sees it', () => {
  it('renders throttling, 429 and 5xx decisions', async () => {
    await createSecret('faulty', 'value');
    const cases = [
      {
        error: 'throttling' as const,
        name: 'ThrottlingException',
        status: 400,
      },
      {
        error: 'too-many-requests' as const,
        name: 'TooManyRequestsException',
        status: 429,
      },
      {
        error: 'server-error' as const,
        statusCode: 500,
        name: 'InternalServiceError',
        status: 500,
      },
      {
        error: 'server-error' as const,
        statusCode: 503,
        name: 'ServiceUnavailable',
        status: 503,
      },
    ];
    for (const c of cases) {
      server.faults.addRule({
        id: 'f',
        service: 'secretsmanager',
        operation: 'GetSecretValue',
        failNext: 1,
        error: c.error,
        status: c.statusCode,
      });
      await expectAwsError(
        sm.send(new GetSecretValueCommand({ SecretId: 'faulty' })),
        {
          name: c.name,
          status: c.status,
        },
      );
    }
    expect(await currentValue('faulty')).toBe('value');
  });

  it('lets the SDK retry a throttled call to success', async () => {
    await createSecret('retry', 'value');
    server.faults.addRule({
      id: 't',
      service: 'secretsmanager',
      operation: 'GetSecretValue',
      failNext: 1,
      error: 'throttling',
    });
    const patient = server.client({ maxAttempts: 3 });
    expect(
      (await patient.send(new GetSecretValueCommand({ SecretId: 'retry' })))
        .SecretString,
    ).toBe('value');
    expect(
      server.faults.counters().faults['secretsmanager.GetSecretValue'],
    ).toBe(1);
  });
});

describe('full rotation sequence', () => {
  it('create AWSPENDING with a token, promote it, check AWSPREVIOUS, clean up AWSPENDING', async () => {
    const { versionId: original } = await createSecret(
      'apps/checkout/apigee',
      '{"key":"old"}',
    );
    const rotationId = token();

    // createSecret step: no pending value yet -> ResourceNotFound, then PutSecretValue AWSPENDING.
    await expectAwsError(
      sm.send(
        new GetSecretValueCommand({
          SecretId: 'apps/checkout/apigee',
          VersionId: rotationId,
          VersionStage: 'AWSPENDING',
        }),
      ),
      { name: 'ResourceNotFoundException' },
    );
    const pending = await put('apps/checkout/apigee', '{"key":"new"}', {
      token: rotationId,
      stages: ['AWSPENDING'],
    });
    expect(pending.VersionStages).toEqual(['AWSPENDING']);
    // A retried create step with the same token and value is a no-op.
    await put('apps/checkout/apigee', '{"key":"new"}', {
      token: rotationId,
      stages: ['AWSPENDING'],
    });
    expect(await currentValue('apps/checkout/apigee')).toBe('{"key":"old"}');

    // testSecret step reads the pending value by token and label.
    const pendingValue = await sm.send(
      new GetSecretValueCommand({
        SecretId: 'apps/checkout/apigee',
        VersionId: rotationId,
        VersionStage: 'AWSPENDING',
      }),
    );
    expect(pendingValue.SecretString).toBe('{"key":"new"}');

    // finishSecret step: find AWSCURRENT, move it to the token with RemoveFromVersionId.
    const before = await sm.send(
      new DescribeSecretCommand({ SecretId: 'apps/checkout/apigee' }),
    );
    const currentId = Object.entries(before.VersionIdsToStages!).find(([, s]) =>
      s.includes('AWSCURRENT'),
    )![0];
    expect(currentId).toBe(original);
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'apps/checkout/apigee',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: rotationId,
        RemoveFromVersionId: currentId,
      }),
    );
    expect(await currentValue('apps/checkout/apigee')).toBe('{"key":"new"}');
    expect(await currentValue('apps/checkout/apigee', 'AWSPREVIOUS')).toBe(
      '{"key":"old"}',
    );

    // Cleanup: take AWSPENDING off the new version so the next rotation can start.
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'apps/checkout/apigee',
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: rotationId,
      }),
    );
    expect(await stagesOf('apps/checkout/apigee')).toEqual({
      [original]: ['AWSPREVIOUS'],
      [rotationId]: ['AWSCURRENT'],
    });
    await expectAwsError(
      sm.send(
        new GetSecretValueCommand({
          SecretId: 'apps/checkout/apigee',
          VersionStage: 'AWSPENDING',
        }),
      ),
      { name: 'ResourceNotFoundException' },
    );
  });
});
