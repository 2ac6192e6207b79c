// Raw HTTP for the security suite: bytes written to a socket exactly as given (headers no client library would
// send, invalid UTF-8, framing conflicts), and a bounded wait for whatever comes back.
import { connect } from 'node:net';

export interface RawResponse {
  /** Everything the server sent (latin1), possibly several responses on a kept-alive connection. */
  text: string;
  /** Status of the first response, or null when none came. */
  status: number | null;
  /** The server closed the connection before the wait ended. */
  closed: boolean;
  /** The first response's body (after the blank line), as sent. */
  body: string;
}

/**
 * Writes `data` (one or more pieces) to 127.0.0.1:`port` and collects the answer until the server closes the
 * connection, or `waitMs` passes after the first byte of an answer, or `timeoutMs` passes in all.
 */
export function rawExchange(
  port: number,
  data: string | Buffer | (string | Buffer)[],
  options: { timeoutMs?: number; waitMs?: number } = {},
): Promise<RawResponse> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const waitMs = options.waitMs ?? 300;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    let settle: NodeJS.Timeout | null = null;
    const finish = () => {
      clearTimeout(overall);
      if (settle) clearTimeout(settle);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const split = text.indexOf('\r\n\r\n');
      resolve({ text, status: status ? Number(status[1]) : null, closed, body: split >= 0 ? text.slice(split + 4) : '' });
    };
    const overall = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (settle) clearTimeout(settle);
      settle = setTimeout(finish, waitMs);
    });
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server may reset a connection it refused; what it sent before still counts.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
        closed = true;
        finish();
      } else {
        clearTimeout(overall);
        reject(err);
      }
    });
    socket.on('connect', () => {
      for (const piece of Array.isArray(data) ? data : [data]) socket.write(piece);
    });
  });
}

/** A request head with CRLF line ends: `lines` are header lines, the blank line is added. */
export function head(requestLine: string, lines: string[]): string {
  return `${requestLine}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
}

/** The port of a base URL such as http://127.0.0.1:PORT. */
export function portOf(baseUrl: string): number {
  return Number(new URL(baseUrl).port);
}
