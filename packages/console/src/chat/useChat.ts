import type { Role } from '@parley/protocol';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { ChatState } from './chatState';
import { ChatController } from './controller';
import type { ChatTransport } from './transport';

export interface UseChat {
  state: ChatState;
  controller: ChatController;
}

/**
 * One chat's state and actions, over any transport (the console socket or the end-user page socket).
 * `myRole` says which messages are this side's own.
 */
export function useChat(chatId: string, transport: ChatTransport, myRole: Role): UseChat {
  const controller = useMemo(
    () => new ChatController(chatId, transport, { myRole }),
    [chatId, transport, myRole],
  );
  useEffect(() => {
    controller.start();
    return () => controller.stop();
  }, [controller]);
  const state = useSyncExternalStore(controller.subscribe, controller.getState);
  return { state, controller };
}
