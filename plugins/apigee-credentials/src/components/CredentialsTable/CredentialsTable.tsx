import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import type { CompoundEntityRef, Entity } from '@backstage/catalog-model';
import { useEntityPermission } from '@backstage/plugin-catalog-react/alpha';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  apigeeCredentialsAdminPermission,
  apigeeCredentialsRotatePermission,
  CredentialSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { useBindingSpecs } from '../../hooks/useBindingSpecs';
import { CredentialRow } from './CredentialRow';

const HEADINGS = [
  'Environment',
  'Key',
  'Age',
  'Status',
  'Last rotation',
  'Next rotation',
  'Old keys',
  'Actions',
];

/** One row per binding (environment) of the entity. */
export function CredentialsTable(props: {
  entity: Entity;
  entityRef: CompoundEntityRef;
  credentials: CredentialSummary[];
  onChanged: () => void;
}) {
  const { entity, entityRef, credentials, onChanged } = props;
  const permission = useEntityPermission(apigeeCredentialsRotatePermission);
  const admin = usePermission({ permission: apigeeCredentialsAdminPermission });
  const specs = useBindingSpecs(entity);
  const sorted = [...credentials].sort((a, b) =>
    a.environment.localeCompare(b.environment),
  );
  return (
    <TableContainer>
      <Table aria-label={`Apigee credentials of ${entity.metadata.name}`}>
        <TableHead>
          <TableRow>
            {HEADINGS.map((heading, index) => (
              <TableCell
                key={index}
                align={index === HEADINGS.length - 1 ? 'right' : 'left'}
              >
                {heading}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {sorted.map(credential => (
            <CredentialRow
              key={credential.id}
              entityRef={entityRef}
              credential={credential}
              gracePeriodMs={specs.get(credential.environment)?.gracePeriodMs}
              permission={permission}
              isAdmin={admin.allowed}
              onChanged={onChanged}
            />
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
