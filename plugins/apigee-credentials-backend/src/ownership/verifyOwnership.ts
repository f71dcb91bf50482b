import { BindingApproval, OwnershipState } from '../database/RotationStore';
import { resolveSecretReference } from '../secrets/arn';
import { CredentialBinding } from '../engine/types';
import { markNamesAny } from './ownershipMark';
import { OwnershipSettings } from './ownershipSettings';

/** What the targets say about who they belong to, as read live. */
export interface OwnershipMarks {
  /** Tags of the secret (DescribeSecret). */
  secretTags: Record<string, string>;
  /** Attributes of the Apigee app; undefined when the app could not be read. */
  appAttributes?: Record<string, string>;
}

/**
 * Decides whether a binding's targets belong to its entity. The catalog proves nothing (its
 * files are written by its users), so the proof is outside it: the secret's tag and the
 * app's attribute both name the entity or its owner, or an admin approved these very
 * targets (the approval lapses when the annotation points elsewhere).
 */
export function verifyOwnership(
  binding: CredentialBinding,
  marks: OwnershipMarks,
  approval: { approval?: BindingApproval; targetHash: string },
  settings: OwnershipSettings,
): OwnershipState {
  const candidates = [binding.entityRef, binding.ownerRef];
  const secretMarked = markNamesAny(
    marks.secretTags[settings.secretTag],
    candidates,
  );
  const appMarked = markNamesAny(
    marks.appAttributes?.[settings.appAttribute],
    candidates,
  );
  if (secretMarked && appMarked) return { state: 'verified' };
  if (approval.approval?.targetHash === approval.targetHash) {
    return { state: 'approved' };
  }
  const names = [binding.entityRef, binding.ownerRef]
    .filter(Boolean)
    .join(' or ');
  const missing: string[] = [];
  if (!secretMarked) {
    const secret = resolveSecretReference(binding.secret);
    missing.push(
      `the secret ${secret.label} has no tag "${settings.secretTag}" naming ${names} (ask the owners of AWS account ${secret.accountId} to tag it)`,
    );
  }
  if (!appMarked) {
    missing.push(
      `the Apigee app ${binding.app} of ${binding.developer} has no attribute "${settings.appAttribute}" naming ${names} (ask the Apigee organisation's admins to set it)`,
    );
  }
  return {
    state: 'unverified',
    reason: `Not proven to belong to ${binding.entityRef}: ${missing.join(
      '; ',
    )}. Until then the plugin neither rotates nor shows it; a platform admin can also approve the binding.`,
  };
}
