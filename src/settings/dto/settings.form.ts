import { FormList, FormText } from '../../common/http/input-fields';

/** The settings page's form: every field optional (an absent field keeps its value), checked by SettingsService. */
export class SettingsForm {
  @FormText() schoolName?: string;
  @FormText() timeZone?: string;
  @FormText() accentColour?: string;
  @FormText() mailFromName?: string;
  @FormText() mailFromAddress?: string;
  @FormText() marketingFromName?: string;
  @FormText() marketingFromAddress?: string;
  @FormText() consultationOffer?: string;
  @FormText() consultationPrice?: string;
  @FormText() ticketAutoCloseDays?: string;
  @FormText() ticketReopenDays?: string;
  @FormText() supportNotifyAddress?: string;
  @FormText() supportInboxAddress?: string;
  /** Checkboxes, one per ISO weekday, after a hidden empty one: present (even with none ticked) = the form set them. */
  @FormList(8) businessDays?: string[];
  @FormText() businessHoursFrom?: string;
  @FormText() businessHoursTo?: string;
  @FormText() warningTermsText?: string;
  @FormText() offboardingStaffRefundLimit?: string;
  @FormText() offboardingAlternatives?: string;
}
