import { AppError } from '../../common/errors/app-error';
import { CampaignStatus } from './entities/campaign.entity';

/**
 * The campaign is not in a status that allows the action. The message key names the current status (one key per
 * status, so the JSON body and the page both read "the campaign is sending" without template variables), and
 * `details.status` carries it for programs.
 */
export function wrongStatus(current: CampaignStatus, action: string, allowed: readonly CampaignStatus[]): AppError {
  return new AppError('conflict', 'campaigns.wrong_status', `mailing.campaigns.wrong_status.${current}`, {}, { status: current, action, allowed: [...allowed] });
}

export function noRecipients(): AppError {
  return new AppError('conflict', 'campaigns.no_recipients', 'mailing.campaigns.errors.no_recipients', {}, { recipients: 0 });
}

export const campaignNotFound = () => AppError.notFound('campaign');
