export { OldKeysPanel, hasOldKeysPanel } from './OldKeysPanel';
export { OLD_KEY_STATE, summarizeOldKeys } from './describeOldKey';
