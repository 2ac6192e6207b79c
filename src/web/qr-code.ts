// The otpauth:// URI as a QR code in inline SVG (`qrcode`), for the enrolment page. The SVG is built from the
// gateway's own URI (path data only), so it is safe to embed; no image request, no script.
// qrcode loads with the first enrolment page rather than at start (resident memory of a gateway that never shows one).
import { SafeHtml } from './html.js';

export async function renderQrSvg(text: string): Promise<SafeHtml> {
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return new SafeHtml(svg.replace(/^<\?xml[^>]*>\s*/, ''));
}
