import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { DomainError } from '../errors/domain-error';
import { errorBody } from './all-exceptions.filter';

/** What a request Node's HTTP parser refused gets: the status Node would send, with a stable code. */
export function clientErrorAnswer(err: NodeJS.ErrnoException): DomainError {
  if (err.code === 'HPE_HEADER_OVERFLOW')
    return new DomainError({
      code: 'headers_too_large',
      message: 'The request line and headers are larger than the server accepts',
    });
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new DomainError({
      code: 'request_timeout',
      message: 'The request did not arrive in time',
    });
  return new DomainError({
    code: 'request_malformed',
    message: 'The request is not valid HTTP/1.1',
  });
}

/**
 * Requests Node's HTTP parser refuses (headers over its 16 kB limit, a broken request line or header) never reach
 * Express, and Node's own answer is a bare status line with no body. A client then sees the one answer that is not
 * in the API's error shape; this writes that shape instead (no route ran, so /v1 answers here carry no platform
 * signature). The connection is closed, as Node does: the parser cannot tell where the next request starts.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const answer = clientErrorAnswer(err);
    const requestId = `req_${randomBytes(12).toString('hex')}`;
    const body = JSON.stringify(errorBody(answer, requestId));
    socket.end(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
