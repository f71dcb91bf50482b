import { credential } from '../../__testUtils__/fixtures';
import { summarizeCredentials } from './summarize';

describe('summarizeCredentials', () => {
  it('picks the worst status and the oldest key', () => {
    const overview = summarizeCredentials([
      credential({
        id: 'a',
        environment: 'a',
        status: 'due-soon',
        ageDays: 80,
      }),
      credential({ id: 'b', environment: 'b', status: 'failed', ageDays: 20 }),
      credential({
        id: 'c',
        environment: 'c',
        status: 'ok',
        ageDays: undefined,
      }),
      credential({ id: 'd', environment: 'd', status: 'failed', ageDays: 5 }),
    ]);
    expect(overview).toMatchObject({
      count: 4,
      worst: 'failed',
      worstCount: 2,
    });
    expect(overview.oldest?.environment).toBe('a');
  });

  it('ranks drift above every other status', () => {
    const statuses = [
      'ok',
      'rotating',
      'due-soon',
      'overdue',
      'misconfigured',
      'failed',
    ] as const;
    const overview = summarizeCredentials([
      ...statuses.map(status =>
        credential({ id: status, environment: status, status }),
      ),
      credential({ id: 'x', environment: 'x', status: 'drift' }),
    ]);
    expect(overview.worst).toBe('drift');
  });

  it('has no worst status without credentials', () => {
    expect(summarizeCredentials([])).toEqual({
      count: 0,
      worst: undefined,
      worstCount: 0,
      oldest: undefined,
    });
  });
});
