import type { BrowserRenderer, RenderedPage } from './page-fetch.ts';

/**
 * The watcher's headless Chromium (INTEGRITY_PAGE_WATCH_BROWSER=chromium): pages are rendered with their
 * scripts run, so a script that injects another script or rewrites a form after load shows in the DOM that
 * is compared. playwright-core is loaded only here; without it (or the browser) the round fails and says so.
 */
export async function launchChromium(executablePath: string): Promise<BrowserRenderer> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  return {
    async session(base) {
      const context = await browser.newContext({ locale: 'ja-JP', userAgent: 'omamori-page-watch/1 (Chromium)' });
      const page = await context.newPage();
      return {
        async request(path, form): Promise<RenderedPage> {
          const url = new URL(path, base);
          let response;
          if (form) {
            // A same-origin form post, as the shopper's browser sends it (Origin header, its own cookies).
            if (new URL(page.url() === 'about:blank' ? 'about:blank' : page.url()).origin !== base.origin) await page.goto(new URL('/cart', base).toString(), { waitUntil: 'load', timeout: 15_000 });
            const navigation = page.waitForNavigation({ waitUntil: 'load', timeout: 15_000 });
            await page.evaluate(
              ({ action, values }) => {
                const f = document.createElement('form');
                f.method = 'post';
                f.action = action;
                for (const [k, v] of Object.entries(values)) {
                  const input = document.createElement('input');
                  input.type = 'hidden';
                  input.name = k;
                  input.value = v;
                  f.appendChild(input);
                }
                document.body.appendChild(f);
                f.submit();
              },
              { action: url.pathname + url.search, values: form },
            );
            response = await navigation;
          } else {
            response = await page.goto(url.toString(), { waitUntil: 'load', timeout: 15_000 });
          }
          const headers = (await response?.allHeaders()) ?? {};
          return { url: new URL(page.url()), status: response?.status() ?? 0, headers, body: await page.content() };
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
