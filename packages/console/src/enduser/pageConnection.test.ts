import { describe, expect, it } from 'vitest';
import { ChatController } from '../chat/controller';
import { TestClock } from '../chat/testClock';
import { chatInfo, FakeSockets, message } from '../chat/testing';
import { PageConnection, type PageProver } from './pageConnection';

const info = chatInfo({ operatorName: 'Olga', recorded: true });
const AGENT_NONCE = 'agent-nonce-0123456789';
const GOOD = 'the-agent-proof-0123456789';

/** Stands in for the page key: the agent's proof is right when it is GOOD; the page signs what it is asked. */
const prover: PageProver = {
  agentProved: async (_pageNonce, _agentNonce, proof) => proof === GOOD,
  proof: async (agentNonce, pageNonce) => `page-proof:${agentNonce}:${pageNonce}`,
};

function setup() {
  const sockets = new FakeSockets();
  const clock = new TestClock();
  const connection = new PageConnection('ws://127.0.0.1:1/ws/page', 'chat-1', prover, {
    connect: sockets.factory,
    clock,
  });
  let n = 0;
  const chat = new ChatController('chat-1', connection, {
    myRole: 'end_user',
    clock,
    newId: () => `client-id-${++n}`,
  });
  chat.start();
  connection.start();
  return { sockets, clock, connection, chat };
}

/** Lets the handshake's Web Crypto steps (promises) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Opens the last socket and answers the page's hello as the real agent would. */
async function agentAnswers(sockets: FakeSockets, proof = GOOD): Promise<void> {
  sockets.open();
  sockets.message({ type: 'page.challenge', nonce: AGENT_NONCE, proof });
  await settle();
}

describe('PageConnection + ChatController (the end-user page)', () => {
  it('P-13: says hello with a fresh nonce, checks the agent proof, proves itself, then subscribes', async () => {
    const { sockets, connection } = setup();
    expect(connection.getStatus()).toBe('connecting');
    sockets.open();
    const [hello] = sockets.sentFrames() as { type: string; chatId: string; nonce: string }[];
    expect(hello).toMatchObject({ type: 'page.hello', chatId: 'chat-1' });
    expect(hello?.nonce.length).toBeGreaterThanOrEqual(16);
    expect(connection.getStatus()).toBe('connecting');
    sockets.message({ type: 'page.challenge', nonce: AGENT_NONCE, proof: GOOD });
    await settle();
    expect(connection.getStatus()).toBe('open');
    expect(sockets.sentFrames().slice(1)).toEqual([
      { type: 'page.auth', proof: `page-proof:${AGENT_NONCE}:${hello?.nonce}` },
      { type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 0 },
    ]);
  });

  it('P-13: an agent that cannot prove itself gets nothing: no proof, no messages, no reconnect, nothing shown', async () => {
    const { sockets, clock, connection, chat } = setup();
    sockets.open();
    sockets.message({ type: 'chat.info', chat: info });
    sockets.message({ type: 'chat.entries', chatId: 'chat-1', entries: [message(1, 'operator', 'fake')] });
    chat.send('my password is hunter2');
    sockets.message({ type: 'page.challenge', nonce: AGENT_NONCE, proof: 'a-wrong-proof-0123456789' });
    await settle();
    expect(connection.getStatus()).toBe('impostor');
    expect(sockets.sentFrames().map((f) => (f as { type: string }).type)).toEqual(['page.hello']);
    expect(chat.getState().entries).toEqual([]);
    expect(chat.getState().info).toBeNull();
    clock.advance(60_000);
    expect(sockets.sockets).toHaveLength(1);
  });

  it('P-14: says reconnecting while the agent cannot reach the help desk, and still takes messages', async () => {
    const { sockets, connection, chat } = setup();
    await agentAnswers(sockets);
    sockets.message({ type: 'page.link', up: false });
    expect(connection.getStatus()).toBe('reconnecting');
    expect(connection.ready).toBe(true);
    chat.send('hello?');
    expect(sockets.sentFrames().at(-1)).toMatchObject({ type: 'chat.send', text: 'hello?' });
    sockets.message({ type: 'page.link', up: true });
    expect(connection.getStatus()).toBe('open');
  });

  it('reconnects after a drop and continues after the highest seq, resending what is pending', async () => {
    const { sockets, clock, connection, chat } = setup();
    await agentAnswers(sockets);
    sockets.message({ type: 'chat.info', chat: info });
    sockets.message({
      type: 'chat.entries',
      chatId: 'chat-1',
      entries: [message(1, 'operator', 'hi'), message(2, 'end_user', 'yo')],
    });
    sockets.drop();
    expect(connection.getStatus()).toBe('reconnecting');
    chat.send('are you there?');
    clock.advance(2000);
    await agentAnswers(sockets);
    expect(sockets.sentFrames().slice(2)).toEqual([
      { type: 'chat.subscribe', chatId: 'chat-1', afterSeq: 2 },
      { type: 'chat.send', chatId: 'chat-1', clientId: 'client-id-1', text: 'are you there?' },
    ]);
  });

  it('4: a message typed while the agent is away is marked not delivered in time, and sent once it is back', async () => {
    const { sockets, clock, chat } = setup();
    await agentAnswers(sockets);
    sockets.drop();
    chat.send('still there?');
    expect(chat.getState().pending[0]?.status).toBe('sending');
    for (let i = 0; i < 8; i++) {
      clock.advance(2000);
      sockets.drop();
    }
    expect(chat.getState().pending[0]).toMatchObject({ status: 'failed', autoRetry: true });
    clock.advance(2000);
    await agentAnswers(sockets);
    expect(sockets.sentFrames().at(-1)).toMatchObject({ type: 'chat.send', text: 'still there?' });
  });

  it('stops reconnecting once the chat is over', async () => {
    const { sockets, clock, connection } = setup();
    await agentAnswers(sockets);
    connection.chatOver = true;
    sockets.drop(1000);
    expect(connection.getStatus()).toBe('ended');
    clock.advance(60_000);
    expect(sockets.sockets).toHaveLength(1);
  });

  it('ignores frames that do not parse', async () => {
    const { sockets, chat } = setup();
    await agentAnswers(sockets);
    sockets.last.handlers.message('{"type":"chat.entries","chatId":"chat-1","entries":[{"kind":"html"}]}');
    expect(chat.getState().entries).toEqual([]);
  });
});
