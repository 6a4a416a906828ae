import { NewClientInput } from '../clients.service';

type Form = Record<string, string | undefined>;

const checked = (v: string | undefined) => v === 'on' || v === '1' || v === 'true';

/**
 * The add-client form: one checkbox `grant_<productId>` per product with its end date `ends_<productId>` (empty =
 * forever), and the welcome box. A date typed for a product left unticked is ignored.
 */
export function newClientFromForm(body: Form): NewClientInput {
  const grants: NonNullable<NewClientInput['grants']> = [];
  for (const [key, value] of Object.entries(body)) {
    const m = /^grant_(\d{1,9})$/.exec(key);
    if (m && checked(value)) grants.push({ productId: Number(m[1]), endsAt: body[`ends_${m[1]}`] ?? '' });
  }
  return { email: body.email, name: body.name, locale: body.locale, grants, welcome: checked(body.welcome) };
}
