import { apigeeErrors } from '../apigee/errors';
import {
  StatsDimension,
  TrafficDimensions,
  dimensionValue,
  isStatsDimension,
} from './dimensions';

type Operator = 'eq' | 'ne' | 'in' | 'notin';

interface Term {
  dimension: StatsDimension;
  operator: Operator;
  values: string[];
}

// `(dim op 'v'[,'v'…])`, then optionally `and` and another term. Values cannot hold a quote,
// which is why clients refuse to put such a key into a filter.
const TERM =
  /\s*\(\s*([A-Za-z_]+)\s+(eq|ne|in|notin)\s+('[^']*'(?:\s*,\s*'[^']*')*)\s*\)\s*/y;
const AND = /and(?=\s|\()/iy;

/**
 * Parses an analytics `filter`: terms `(dim eq 'v')`, `(dim ne 'v')`, `(dim in 'a','b')`,
 * `(dim notin 'a','b')` joined by `and`. Anything else is a 400, never silently ignored: a
 * filter dropped by mistake would count other keys' calls.
 */
export function parseStatsFilter(
  text: string | undefined,
): (call: TrafficDimensions) => boolean {
  if (text === undefined || text.trim() === '') return () => true;
  const terms: Term[] = [];
  let at = 0;
  for (;;) {
    TERM.lastIndex = at;
    const match = TERM.exec(text);
    if (!match) throw malformed();
    at = TERM.lastIndex;
    terms.push(term(match[1], match[2] as Operator, match[3]));
    if (at === text.length) break;
    AND.lastIndex = at;
    if (!AND.exec(text)) throw malformed();
    at = AND.lastIndex;
  }
  return call =>
    terms.every(({ dimension, operator, values }) => {
      const found = values.includes(dimensionValue(dimension, call));
      return operator === 'eq' || operator === 'in' ? found : !found;
    });
}

function term(dimension: string, operator: Operator, quoted: string): Term {
  if (!isStatsDimension(dimension)) {
    throw apigeeErrors.invalidStatsQuery(
      `Invalid filter dimension ${dimension}`,
      'filter',
    );
  }
  const values = [...quoted.matchAll(/'([^']*)'/g)].map(m => m[1]);
  if ((operator === 'eq' || operator === 'ne') && values.length !== 1) {
    throw malformed();
  }
  return { dimension, operator, values };
}

/** The filter text is not echoed: it usually holds a consumer key. */
function malformed() {
  return apigeeErrors.invalidStatsQuery(
    `Invalid filter; the sandbox supports (dim eq|ne 'v') and (dim in|notin 'a','b') joined by and`,
    'filter',
  );
}
