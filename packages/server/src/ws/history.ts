import type { ChatServerFrame } from '@parley/protocol';
import type { ChatActor, ChatResult, ChatService } from '../chats/chats.js';

/**
 * Answers `chat.subscribe`: the chat's facts and every entry after `afterSeq`, page by page. The live feed starts
 * after the first read has authorized the subscriber, and reading goes on until a read made after that start comes
 * back empty, so nothing falls between history and live. Clients merge by seq, so overlap is harmless.
 */
export async function sendHistory(
  chats: ChatService,
  actor: ChatActor,
  chatId: string,
  afterSeq: number,
  send: (frame: ChatServerFrame) => void,
  startLive: () => void,
): Promise<ChatResult<null>> {
  const first = await chats.history(chatId, actor, afterSeq);
  if (!first.ok) return first;
  startLive();
  send({ type: 'chat.info', chat: first.value.info });
  send({ type: 'chat.entries', chatId, entries: first.value.entries });
  let after = first.value.entries.at(-1)?.seq ?? afterSeq;
  for (;;) {
    const page = await chats.history(chatId, actor, after);
    if (!page.ok) return page;
    const last = page.value.entries.at(-1);
    if (!last) return { ok: true, value: null };
    send({ type: 'chat.entries', chatId, entries: page.value.entries });
    after = last.seq;
  }
}
