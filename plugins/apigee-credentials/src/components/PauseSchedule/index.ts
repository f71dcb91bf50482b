export { PausedChip } from './PausedChip';
export { PausedNotice } from './PausedNotice';
export { ScheduleControl } from './ScheduleControl';
