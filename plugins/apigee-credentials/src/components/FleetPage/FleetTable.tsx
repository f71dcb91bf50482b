import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import { Table, TableColumn } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import type { CredentialSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { AgeGauge } from '../shared/AgeGauge';
import { StatusLabel } from '../shared/StatusLabel';
import { CREDENTIAL_STATUS } from '../shared/status';
import {
  FingerprintCell,
  LastRotationCell,
  NextRotationCell,
} from '../CredentialsTable/cells';

function EntityCell(props: { row: CredentialSummary }) {
  return <EntityRefLink entityRef={props.row.entityRef} />;
}

function AgeCell(props: { row: CredentialSummary }) {
  const { row } = props;
  return (
    <AgeGauge
      ageDays={row.ageDays}
      maxAgeDays={row.maxAgeDays}
      keyName={`${row.environment} of ${row.entityRef}`}
    />
  );
}

/** The status, and a chip when traffic shows an old key still in use. */
function StatusCell(props: { row: CredentialSummary }) {
  const { row } = props;
  const status = CREDENTIAL_STATUS[row.status];
  const oldKeyInUse = (row.oldKeys ?? []).some(k => k.state === 'in-use');
  return (
    <Box display="flex" flexWrap="wrap" alignItems="center" gridGap={4}>
      <StatusLabel tone={status.tone} label={status.label} />
      {oldKeyInUse ? (
        <Chip size="small" variant="outlined" label="Old key in use" />
      ) : null}
    </Box>
  );
}

// Unknown ages sort as the oldest: they need a look first.
const ageOf = (row: CredentialSummary) =>
  row.ageDays ?? Number.MAX_SAFE_INTEGER;

const COLUMNS: TableColumn<CredentialSummary>[] = [
  {
    title: 'Entity',
    field: 'entityRef',
    highlight: true,
    render: row => <EntityCell row={row} />,
  },
  { title: 'Environment', field: 'environment' },
  {
    title: 'Status',
    field: 'status',
    render: row => <StatusCell row={row} />,
    customSort: (a, b) =>
      CREDENTIAL_STATUS[a.status].severity -
      CREDENTIAL_STATUS[b.status].severity,
  },
  {
    title: 'Age',
    field: 'ageDays',
    type: 'numeric',
    align: 'left',
    defaultSort: 'desc',
    render: row => <AgeCell row={row} />,
    customSort: (a, b) => ageOf(a) - ageOf(b),
  },
  {
    title: 'Last rotation',
    sorting: false,
    render: row => <LastRotationCell rotation={row.lastRotation} />,
  },
  {
    title: 'Next rotation',
    field: 'nextRotationAt',
    render: row => (
      <NextRotationCell
        nextRotationAt={row.nextRotationAt}
        paused={row.paused}
      />
    ),
  },
  {
    title: 'Key',
    field: 'keyFingerprint',
    sorting: false,
    render: row => <FingerprintCell credential={row} />,
  },
];

/** Every bound credential of the fleet, sortable (by age first). */
export function FleetTable(props: {
  credentials: CredentialSummary[];
  loading: boolean;
}) {
  // material-table writes its own bookkeeping into row objects: give it copies.
  const data = props.credentials.map(credential => ({ ...credential }));
  return (
    <Table<CredentialSummary>
      title="Bound credentials"
      isLoading={props.loading}
      columns={COLUMNS}
      data={data}
      options={{
        paging: true,
        pageSize: 20,
        pageSizeOptions: [20, 50, 100],
        search: true,
        padding: 'dense',
      }}
      emptyContent={
        <div style={{ padding: 16 }}>No credential matches this filter.</div>
      }
    />
  );
}
