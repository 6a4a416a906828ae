import type { Role } from '../../users/entities/user.entity';
import { CasePreview } from '../offboarding.contract';
import { OffboardingErrors } from '../offboarding.errors';

/** Who may approve, retry, skip and reinstate (an API key acts as admin). */
export function isOwnerOrAdmin(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}

export function requireOwnerOrAdmin(role: Role): void {
  if (!isOwnerOrAdmin(role)) throw OffboardingErrors.ownerOrAdmin();
}

/**
 * The approval rule: an owner's or admin's case runs; a staff member's waits for approval, unless the owner set
 * a refund limit (`offboardingStaffRefundLimit`, minor units) and the case refunds at most that.
 */
export function approvalFor(role: Role, refundTotalMinor: number | null, staffRefundLimit: string): CasePreview['approval'] {
  if (isOwnerOrAdmin(role)) return { required: false, why: null };
  if (!/^\d+$/.test(staffRefundLimit)) return { required: true, why: 'staff' };
  if (refundTotalMinor === null || refundTotalMinor > Number(staffRefundLimit)) return { required: true, why: 'over_limit' };
  return { required: false, why: null };
}
