import { createContext, use, useSyncExternalStore } from 'react';
import type { ConsoleSocket, ConsoleStatus } from './consoleSocket';

/** The signed-in console's one socket (the shell provides it). */
export const ConsoleSocketContext = createContext<ConsoleSocket | null>(null);

export function useConsoleSocket(): ConsoleSocket {
  const socket = use(ConsoleSocketContext);
  if (!socket) throw new Error('useConsoleSocket outside the signed-in console');
  return socket;
}

/** The socket's connection status, as React state. */
export function useConnectionStatus(socket: ConsoleSocket): ConsoleStatus {
  return useSyncExternalStore(socket.subscribe, socket.getSnapshot).status;
}
