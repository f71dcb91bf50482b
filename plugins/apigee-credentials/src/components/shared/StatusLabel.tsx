import {
  StatusError,
  StatusOK,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import type { StatusTone } from './status';

const ICONS: Record<StatusTone, () => JSX.Element> = {
  ok: () => <StatusOK />,
  warning: () => <StatusWarning />,
  error: () => <StatusError />,
  running: () => <StatusRunning />,
};

/**
 * A coloured status icon followed by plain words. The words sit outside the icon's
 * aria-hidden span so that screen readers and tests can read them.
 */
export function StatusLabel(props: {
  tone: StatusTone;
  label: string;
  'data-testid'?: string;
}) {
  const Icon = ICONS[props.tone];
  return (
    <span data-testid={props['data-testid']}>
      <Icon />
      <span>{props.label}</span>
    </span>
  );
}
