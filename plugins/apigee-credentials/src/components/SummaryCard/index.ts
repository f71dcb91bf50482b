export { SummaryCard } from './SummaryCard';
