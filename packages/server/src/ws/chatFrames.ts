import type { ChatClientFrame, ChatServerFrame } from '@parley/protocol';
import type { Logger } from 'pino';
import type { ZodMiniType } from 'zod/mini';
import type { ChatActor, ChatService } from '../chats/chats.js';
import type { Backlog } from './backlog.js';
import { sendHistory } from './history.js';
import { type Peer, refOf } from './peer.js';
import type { TokenBucket } from './rateLimit.js';

export interface ChatFrameContext {
  chats: ChatService;
  actor: ChatActor;
  peer: Pick<Peer<ZodMiniType>, 'sendError' | 'framesWaiting'>;
  messages: TokenBucket;
  backlog: Backlog;
  send(frame: ChatServerFrame): void;
  /** Starts the live feed of a chat this socket subscribed to. */
  startLive(chatId: string): void;
  /** Where a frame whose handling threw (the database unreachable) is logged. */
  log: Pick<Logger, 'error'>;
}

/**
 * The chat frames both the console and the agent speak, answered the same way for both. A frame the server failed
 * to handle is answered with its ref (the message's clientId, else the chatId), so the sender knows which message
 * was not stored and may resend it (P-21, P-33).
 */
export async function handleChatFrame(frame: ChatClientFrame, ctx: ChatFrameContext): Promise<void> {
  try {
    await answerChatFrame(frame, ctx);
  } catch (error) {
    chatFrameFailed(frame, ctx, error);
  }
}

/** A chat frame the server could not handle: logged, and answered `internal` with its ref. */
export function chatFrameFailed(
  frame: ChatClientFrame,
  ctx: Pick<ChatFrameContext, 'peer' | 'log'>,
  error: unknown,
): void {
  const ref = refOf(frame);
  const what = frame.type === 'chat.send' ? 'this message was not stored; resend it' : 'try again';
  ctx.peer.sendError('internal', `the server could not handle this frame (${what})`, ref);
  ctx.log.error({ err: error, frame: frame.type }, 'chat frame failed');
}

async function answerChatFrame(frame: ChatClientFrame, ctx: ChatFrameContext): Promise<void> {
  const { chats, actor, peer } = ctx;
  switch (frame.type) {
    case 'chat.subscribe': {
      const result = await sendHistory(chats, actor, frame.chatId, frame.afterSeq, ctx.send, () =>
        ctx.startLive(frame.chatId),
      );
      if (!result.ok) peer.sendError(result.code, result.message, frame.chatId);
      return;
    }
    case 'chat.send': {
      // Before the rate limit: a message refused for the node's sake costs its sender nothing of their budget.
      const retryAfterMs = ctx.backlog.refusal(peer.framesWaiting <= 1);
      if (retryAfterMs !== null) {
        peer.sendError(
          'overloaded',
          'the server is busy; the message was not stored: send it again shortly',
          frame.clientId,
          retryAfterMs,
        );
        return;
      }
      if (!ctx.messages.take()) {
        peer.sendError('rate_limited', 'too many messages; wait a moment and resend', frame.clientId);
        return;
      }
      const result = await chats.send(frame.chatId, actor, frame.clientId, frame.text);
      if (!result.ok) peer.sendError(result.code, result.message, frame.clientId);
      else ctx.send({ type: 'chat.ack', chatId: frame.chatId, clientId: frame.clientId, ...result.value });
      return;
    }
    case 'chat.typing': {
      const result = await chats.typing(frame.chatId, actor, frame.typing);
      if (!result.ok) peer.sendError(result.code, result.message, frame.chatId);
      return;
    }
    case 'chat.receipt': {
      const result = await chats.receipt(frame.chatId, actor, frame.seq, frame.state);
      if (!result.ok) peer.sendError(result.code, result.message, frame.chatId);
      return;
    }
    case 'chat.close': {
      const result = await chats.close(frame.chatId, actor);
      if (!result.ok) peer.sendError(result.code, result.message, frame.chatId);
      return;
    }
  }
}
