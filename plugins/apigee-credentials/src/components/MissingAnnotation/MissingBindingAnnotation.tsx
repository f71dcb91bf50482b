import { CodeSnippet, EmptyState } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { APIGEE_CREDENTIALS_ANNOTATION_PREFIX } from '@keyrotation/backstage-plugin-apigee-credentials-common';

/** A minimal binding: one annotation per environment, its value a small YAML mapping. */
export const ANNOTATION_EXAMPLE = `metadata:
  annotations:
    ${APIGEE_CREDENTIALS_ANNOTATION_PREFIX}prod: |
      provider: apigee-edge
      developer: orders-team@example.com
      app: orders-service
      secret: arn:aws:secretsmanager:eu-west-1:111111111111:secret:orders-service/apigee-prod
      maxAge: 90d`;

/**
 * Shown instead of the credentials when the entity has no binding annotation: says how
 * to add one.
 */
export function MissingBindingAnnotation() {
  return (
    <EmptyState
      missing="field"
      title="No Apigee credential is bound to this entity"
      description={
        <Typography variant="body1" component="span">
          Add one annotation per environment, named{' '}
          <code>{`${APIGEE_CREDENTIALS_ANNOTATION_PREFIX}<environment>`}</code>,
          to the entity's <code>catalog-info.yaml</code>. Its value says which
          Apigee developer app holds the key and which AWS Secrets Manager
          secret the application reads it from.
        </Typography>
      }
      action={
        <div data-testid="annotation-example">
          <CodeSnippet
            text={ANNOTATION_EXAMPLE}
            language="yaml"
            showLineNumbers
            showCopyCodeButton
          />
        </div>
      }
    />
  );
}
