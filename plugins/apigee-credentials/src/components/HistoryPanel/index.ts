export { HistoryPanel, HISTORY_PAGE_SIZE } from './HistoryPanel';
