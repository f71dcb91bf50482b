/** SQLite returns timestamps as epoch milliseconds, PostgreSQL as Date objects. */
export function toDate(value: unknown): Date | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value === 'string') {
    const asNumber = Number(value);
    return new Date(Number.isFinite(asNumber) ? asNumber : value);
  }
  return undefined;
}
