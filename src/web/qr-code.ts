// The otpauth:// URI as a QR code in inline SVG (`qrcode`), for the enrolment page. The SVG is built from the
// gateway's own URI (path data only), so it is safe to embed; no image request, no script.
import { SafeHtml } from './html.js';

interface QrCodeModule {
  toString(text: string, options: { type: 'svg'; margin?: number; errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' }): Promise<string>;
}

// Loaded by name until @types/qrcode is installed (package.json lists it); then a static import replaces this.
const QRCODE_MODULE = 'qrcode';

export async function renderQrSvg(text: string): Promise<SafeHtml> {
  const loaded = (await import(QRCODE_MODULE)) as { default?: QrCodeModule } & Partial<QrCodeModule>;
  const qr = (loaded.default ?? loaded) as QrCodeModule;
  const svg = await qr.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return new SafeHtml(svg.replace(/^<\?xml[^>]*>\s*/, ''));
}
