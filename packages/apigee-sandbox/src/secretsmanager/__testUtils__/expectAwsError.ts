/**
 * Awaits an SDK call that must fail and checks the error the SDK surfaces: its `name`
 * (the AWS `__type`), HTTP status and optionally its message.
 */
export async function expectAwsError(
  call: Promise<unknown>,
  expected: { name: string; status?: number; message?: string | RegExp },
): Promise<any> {
  let error: any;
  try {
    await call;
  } catch (e) {
    error = e;
  }
  if (!error)
    throw new Error(`Expected ${expected.name}, but the call succeeded`);
  expect(error.name).toBe(expected.name);
  expect(error.$metadata?.httpStatusCode).toBe(expected.status ?? 400);
  if (typeof expected.message === 'string')
    expect(error.message).toBe(expected.message);
  else if (expected.message) expect(error.message).toMatch(expected.message);
  return error;
}
