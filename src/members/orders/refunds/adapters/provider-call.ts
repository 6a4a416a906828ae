/** One HTTP call to a payment provider. A network error or a timeout is `{ status: 0 }`: the outcome is unknown. */
export interface ProviderAnswer {
  status: number;
  json: Record<string, unknown> | null;
  error?: string;
}

export async function callProvider(
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<ProviderAnswer> {
  let res: Response;
  try {
    res = await fetch(url, { method: init.method, headers: init.headers, body: init.body, signal: AbortSignal.timeout(init.timeoutMs), redirect: 'error' });
  } catch (e) {
    const name = (e as Error)?.name;
    return { status: 0, json: null, error: name === 'TimeoutError' ? `no answer within ${init.timeoutMs} ms` : `could not reach the provider (${(e as Error)?.message ?? e})` };
  }
  let text = '';
  try {
    text = await res.text();
  } catch (e) {
    return { status: 0, json: null, error: `the answer broke off (${(e as Error)?.message ?? e})` };
  }
  let json: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {
    /* not JSON: judged by the status alone */
  }
  return { status: res.status, json };
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** 10050 → "100.50", the decimal string YooKassa's `amount.value` takes. */
export function minorToDecimal(minor: number): string {
  return `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

/** For the error column: the provider's words, short. */
export function clip(s: string, n = 500): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
