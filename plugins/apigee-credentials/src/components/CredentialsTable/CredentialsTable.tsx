import { useEffect } from 'react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import LockIcon from '@material-ui/icons/Lock';
import {
  CompoundEntityRef,
  Entity,
  parseEntityRef,
} from '@backstage/catalog-model';
import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { useEntityPermission } from '@backstage/plugin-catalog-react/alpha';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  apigeeCredentialsAdminPermission,
  apigeeCredentialsRotatePermission,
  CredentialSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { useBindingSpecs } from '../../hooks/useBindingSpecs';
import { isNotChecked } from '../shared/status';
import { CredentialRow } from './CredentialRow';
import { listedCredentials } from './listedCredentials';

/** How often the rows are reloaded while some are not checked yet. */
export const NOT_CHECKED_REFRESH_MS = 5000;

const HEADINGS = ['Environment', 'Age', 'Status', 'Next rotation', 'Actions'];

/** Where the tab links for what to do about drift and failures, unless configured. */
export const DEFAULT_RUNBOOK_URL =
  'https://www.npmjs.com/package/@keyrotation/backstage-plugin-apigee-credentials-backend#operator-runbook';

/** "team-orders (the owners)": the entity's owner, named as people know it. */
function ownerName(entity: Entity): string | undefined {
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string' || !owner) return undefined;
  try {
    const ref = parseEntityRef(owner, { defaultKind: 'group' });
    return ref.namespace === 'default' ? ref.name : owner;
  } catch {
    return owner;
  }
}

/**
 * One row per binding (environment) of the entity: the ones the backend reports, and the
 * entity's other annotations as "not checked yet".
 */
export function CredentialsTable(props: {
  entity: Entity;
  entityRef: CompoundEntityRef;
  credentials: CredentialSummary[];
  onChanged: () => void;
}) {
  const { entity, entityRef, credentials, onChanged } = props;
  const rotate = useEntityPermission(apigeeCredentialsRotatePermission);
  const admin = usePermission({ permission: apigeeCredentialsAdminPermission });
  const runbookUrl =
    useApi(configApiRef).getOptionalString('apigeeCredentials.runbookUrl') ??
    DEFAULT_RUNBOOK_URL;
  const specs = useBindingSpecs(entity);
  const owner = ownerName(entity);
  const whoMay = owner
    ? `members of ${owner} (the owners) or platform admins`
    : "the entity's owners or platform admins";
  const permission = { ...rotate, whoMay };
  const rows = listedCredentials(entity, credentials, specs).map(row => ({
    ...row,
    notChecked: row.known
      ? isNotChecked(row.credential)
      : row.credential.status !== 'misconfigured',
  }));
  const waiting = rows.some(row => row.notChecked);
  // Rows not checked yet update by themselves once the first check has run.
  useEffect(() => {
    if (!waiting) return undefined;
    const timer = setInterval(onChanged, NOT_CHECKED_REFRESH_MS);
    return () => clearInterval(timer);
  }, [waiting, onChanged]);
  return (
    <>
      {!rotate.loading && !rotate.allowed ? (
        <Typography
          variant="body2"
          color="textSecondary"
          data-testid="rotate-denied-note"
          style={{ display: 'flex', alignItems: 'center', gap: 8 }}
        >
          <LockIcon fontSize="small" aria-hidden />
          You can see these credentials but not rotate them: only {whoMay} may.
        </Typography>
      ) : null}
      <TableContainer>
        <Table
          aria-label={`Apigee credentials of ${entity.metadata.name}`}
          size="small"
        >
          <TableHead>
            <TableRow>
              {HEADINGS.map((heading, index) => (
                <TableCell
                  key={heading}
                  align={index === HEADINGS.length - 1 ? 'right' : 'left'}
                  style={{ whiteSpace: 'nowrap' }}
                >
                  {heading}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map(({ credential, known, notChecked }) => (
              <CredentialRow
                key={credential.id}
                entityRef={entityRef}
                credential={credential}
                known={known}
                notChecked={notChecked}
                gracePeriodMs={specs.get(credential.environment)?.gracePeriodMs}
                permission={permission}
                isAdmin={admin.allowed}
                runbookUrl={runbookUrl}
                onChanged={onChanged}
              />
            ))}
          </TableBody>
        </Table>
      </TableContainer>
    </>
  );
}
