import { FormList, FormText } from '../../../common/http/input-fields';
import { RawDraft } from '../campaign-input';

/** The campaign form: one value per field, except the two checkbox groups. Rules are readDraft's. */
export class CampaignFormDto implements RawDraft {
  @FormText() subject?: string;
  @FormText() preheader?: string;
  @FormText() bodyFormat?: string;
  @FormText() body?: string;
  @FormList() lists?: string[];
  @FormList() products?: string[];
}
