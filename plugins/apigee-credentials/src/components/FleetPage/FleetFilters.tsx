import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import ButtonGroup from '@material-ui/core/ButtonGroup';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
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

/** Filters across statuses: old keys still used, paused schedules. */
export interface FleetToggles {
  oldKeyInUse: boolean;
  paused: boolean;
}

const TOGGLES: Array<{ key: keyof FleetToggles; label: string }> = [
  { key: 'oldKeyInUse', label: 'Old key still in use' },
  { key: 'paused', label: 'Paused' },
];

/** Switches that narrow the list further, whatever the status filter. */
export function FleetToggleFilters(props: {
  toggles: FleetToggles;
  onChange: (toggles: FleetToggles) => void;
}) {
  const { toggles, onChange } = props;
  return (
    <Box display="flex" flexWrap="wrap" gridColumnGap={16}>
      {TOGGLES.map(toggle => (
        <FormControlLabel
          key={toggle.key}
          label={toggle.label}
          control={
            <Switch
              color="primary"
              checked={toggles[toggle.key]}
              onChange={event =>
                onChange({ ...toggles, [toggle.key]: event.target.checked })
              }
            />
          }
        />
      ))}
    </Box>
  );
}

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
