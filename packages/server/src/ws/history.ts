import type { ChatEntry, ChatServerFrame } from '@parley/protocol';
import type { ChatActor, ChatResult, ChatService } from '../chats/chats.js';
import { chunkByBytes } from './chunks.js';

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
  sendEntries(chatId, first.value.entries, send);
  let after = first.value.entries.at(-1)?.seq ?? afterSeq;
  for (;;) {
    const page = await chats.history(chatId, actor, after);
    if (!page.ok) return page;
    const last = page.value.entries.at(-1);
    if (!last) return { ok: true, value: null };
    sendEntries(chatId, page.value.entries, send);
    after = last.seq;
  }
}

/** Sends entries in frames of about FRAME_CHUNK_BYTES at most (one frame, maybe empty, when they are few). */
function sendEntries(chatId: string, entries: ChatEntry[], send: (frame: ChatServerFrame) => void): void {
  for (const part of chunkByBytes(entries)) send({ type: 'chat.entries', chatId, entries: part });
}
