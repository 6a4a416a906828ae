import { FormList, FormText } from '../../../common/http/input-fields';
import type { SubscribeFormInput } from '../subscribe.service';

/** The public subscribe form (and the one embedded on other sites, whose hidden `lists` may be "1,2"). */
export class SubscribeFormDto implements SubscribeFormInput {
  @FormText() email?: string;
  @FormText() name?: string;
  @FormList() lists?: string[];
  @FormText() consent?: string;
  /** Honeypot: hidden from people, filled in by bots. */
  @FormText() website?: string;
  @FormText() locale?: string;
}

/** `/subscribe?list=1&list=2` (or `?list=1,2`): the lists ticked when the form opens. */
export class SubscribePageQuery {
  @FormList() list?: string[];
}

/** The preferences form, from the signed link and in /account/mailing: the lists ticked, and those shown. */
export class PreferencesFormDto {
  @FormList() lists?: string[];
  @FormList() shown?: string[];
  @FormText() name?: string;
  @FormText() locale?: string;
}
