import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import type { StatusTone } from './status';

const ICONS: Record<StatusTone, () => JSX.Element> = {
  ok: () => <StatusOK />,
  warning: () => <StatusWarning />,
  error: () => <StatusError />,
  running: () => <StatusRunning />,
  pending: () => <StatusPending />,
};

/**
 * A coloured status icon followed by plain words, on one line. The words sit outside the
 * icon's aria-hidden span so that screen readers and tests can read them.
 */
export function StatusLabel(props: {
  tone: StatusTone;
  label: string;
  'data-testid'?: string;
}) {
  const Icon = ICONS[props.tone];
  return (
    <span
      data-testid={props['data-testid']}
      style={{
        display: 'inline-flex',
        alignItems: 'center',
        whiteSpace: 'nowrap',
      }}
    >
      <Icon />
      <span>{props.label}</span>
    </span>
  );
}
