import Button from '@material-ui/core/Button';
import ButtonGroup from '@material-ui/core/ButtonGroup';
import type { CredentialStatus } from '@keyrotation/backstage-plugin-apigee-credentials-common';

/** The status filters of the fleet overview: what platform teams chase. */
export const FLEET_FILTERS: Array<{
  label: string;
  status?: CredentialStatus;
}> = [
  { label: 'All' },
  { label: 'Overdue', status: 'overdue' },
  { label: 'Failing', status: 'failed' },
  { label: 'Drift', status: 'drift' },
];

export function FleetFilters(props: {
  status?: CredentialStatus;
  onChange: (status?: CredentialStatus) => void;
}) {
  const { status, onChange } = props;
  return (
    <ButtonGroup aria-label="Filter credentials by status" color="primary">
      {FLEET_FILTERS.map(filter => {
        const selected = filter.status === status;
        return (
          <Button
            key={filter.label}
            aria-pressed={selected}
            variant={selected ? 'contained' : 'outlined'}
            onClick={() => onChange(filter.status)}
          >
            {filter.label}
          </Button>
        );
      })}
    </ButtonGroup>
  );
}
