import { markNamesAny, refsOfMark } from './ownershipMark';

describe('ownership marks', () => {
  it.each([
    ['group:default/team-orders', ['group:default/team-orders']],
    ['team-orders', ['group:default/team-orders']],
    [
      'Component:default/Orders-Service  team-orders',
      ['component:default/orders-service', 'group:default/team-orders'],
    ],
    ['', []],
    [undefined, []],
    ['group:', []],
  ])('reads %j as the refs %j', (mark, refs) => {
    expect(refsOfMark(mark)).toEqual(refs);
  });

  it('matches any candidate, ignoring case, and nothing for an absent mark', () => {
    expect(
      markNamesAny('group:default/TEAM-orders', [
        'component:default/x',
        'group:default/team-orders',
      ]),
    ).toBe(true);
    expect(
      markNamesAny('group:default/team-payments', [
        'group:default/team-orders',
      ]),
    ).toBe(false);
    expect(markNamesAny(undefined, ['group:default/team-orders'])).toBe(false);
    expect(markNamesAny('team-orders', [undefined])).toBe(false);
  });
});
