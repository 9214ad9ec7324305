import { type SocketHandle, type SocketHandlers, socketHandle } from '@parley/protocol';
import type WebSocket from 'ws';

/**
 * A `ws` WebSocket as the protocol's reconnect loop (`ReconnectLoop`) takes a socket, as the console's
 * `browserSocket` wraps the browser's: text frames go to `handlers.message`, binary frames (not part of the
 * protocol) are dropped. Errors are followed by a close; a caller that wants to log them listens itself.
 */
export function wsSocketHandle(ws: WebSocket, handlers: SocketHandlers): SocketHandle {
  ws.on('open', () => handlers.open());
  ws.on('message', (data, isBinary) => {
    if (!isBinary) handlers.message(data.toString());
  });
  ws.on('error', () => {});
  ws.on('close', (code) => handlers.close(code));
  return socketHandle(ws);
}
