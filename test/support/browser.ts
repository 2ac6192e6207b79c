// Headless Debian Chromium via playwright-core for SSO tests. Every context aborts non-loopback requests, and each
// newPage() gets its own context (own cookie jar = a separate browser); newContext() gives several tabs one jar.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface TestBrowser {
  browser: Browser;
  /** A page in a fresh context (fresh cookies). page.close() closes its whole context. */
  newPage(): Promise<Page>;
  /** A fresh context with the loopback-only route installed; its pages share cookies (tabs of one browser). */
  newContext(): Promise<BrowserContext>;
  /** URLs of requests that were aborted because they left the loopback interface. */
  blocked: string[];
  /** Idempotent. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
export function isLoopbackUrl(raw: string): boolean {
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'ws:' && url.protocol !== 'wss:') return true; // data:, blob:, about:
  return LOOPBACK.has(url.hostname) || url.hostname.endsWith('.localhost');
}

export async function launchBrowser(options: { timeoutMs?: number } = {}): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
  const blocked: string[] = [];
  let closing: Promise<void> | undefined;

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext();
    context.setDefaultTimeout(options.timeoutMs ?? 10_000);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLoopbackUrl(url)) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    return context;
  }

  return {
    browser,
    blocked,
    newContext,
    async newPage() {
      const context = await newContext();
      const page = await context.newPage();
      // page.close() right after a form-POST redirect sometimes never resolves (playwright-core 1.65 + Chromium 156,
      // ~10 % of runs); context.close() does not hang, and closing the page's own context is what we want anyway.
      page.close = (options) => context.close(options?.reason ? { reason: options.reason } : undefined);
      return page;
    },
    close() {
      closing ??= browser.close().catch(() => {});
      return closing;
    },
  };
}
