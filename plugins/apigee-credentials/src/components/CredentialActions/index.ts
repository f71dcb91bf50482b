export { ApproveButton } from './ApproveButton';
export { CheckNowButton } from './CheckNowButton';
export type { RowNotice } from './notice';
