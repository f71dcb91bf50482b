import { parseSecretArn, resolveSecretReference } from '../secrets/arn';
import { CredentialBinding, OwnershipState } from '../engine/types';

/**
 * The secret a binding points at, the same whichever way the annotation names it: by name,
 * by full ARN (with the six-character suffix Secrets Manager adds) or by partial ARN.
 */
export function secretTargetKey(binding: CredentialBinding): string {
  const { accountId, region } = resolveSecretReference(binding.secret);
  const name =
    'arn' in binding.secret
      ? parseSecretArn(binding.secret.arn).resource.replace(
          /-[A-Za-z0-9]{6}$/,
          '',
        )
      : binding.secret.name;
  return `${accountId}/${region}/${name}`;
}

/** A stored binding, as far as the one-binding-per-target rule is concerned. */
export interface TargetClaim {
  bindingId: string;
  binding: CredentialBinding;
  ownership?: OwnershipState;
  createdAt?: Date;
}

/**
 * One target, one binding: for each secret, the binding that holds it is the first one
 * (oldest, then by id) whose ownership is proven (`verified` or `approved`). Bindings that
 * are not proven claim nothing, so nobody can block a team by binding its secret first.
 * Returns, for every other binding of a held secret, the holder's id.
 */
export function findTargetConflicts(
  claims: TargetClaim[],
): Map<string, string> {
  const holders = new Map<string, TargetClaim>();
  for (const claim of claims) {
    if (
      claim.ownership?.state !== 'verified' &&
      claim.ownership?.state !== 'approved'
    )
      continue;
    const key = secretTargetKey(claim.binding);
    const holder = holders.get(key);
    if (!holder || earlier(claim, holder)) holders.set(key, claim);
  }
  const conflicts = new Map<string, string>();
  for (const claim of claims) {
    const holder = holders.get(secretTargetKey(claim.binding));
    if (holder && holder.bindingId !== claim.bindingId) {
      conflicts.set(claim.bindingId, holder.bindingId);
    }
  }
  return conflicts;
}

function earlier(a: TargetClaim, b: TargetClaim): boolean {
  const at = a.createdAt?.getTime() ?? Infinity;
  const bt = b.createdAt?.getTime() ?? Infinity;
  return at !== bt ? at < bt : a.bindingId < b.bindingId;
}
