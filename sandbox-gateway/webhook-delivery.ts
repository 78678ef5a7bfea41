/**
 * Delivers one webhook the way the providers do: POSTed until the receiver answers 2xx, waiting `delays` between
 * attempts. `url()` answers null to skip an attempt (the receiver is not known yet) and undefined to stop; `request()`
 * is called per attempt (Stripe signs each attempt with a fresh timestamp). Shared by both sandboxes.
 */
export async function deliverWebhook(url: () => string | null | undefined, request: () => { body: string; headers: Record<string, string> }, delays: readonly number[]): Promise<void> {
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    const target = url();
    if (target === undefined) return;
    if (target) {
      const { body, headers } = request();
      try {
        const res = await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return;
      } catch {
        // network error: retried below
      }
    }
    const delay = delays[attempt];
    if (delay === undefined) return;
    await new Promise((r) => setTimeout(r, delay));
  }
}
