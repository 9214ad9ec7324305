import { afterEach, describe, expect, it } from 'vitest';
import { type ClaimChannel, chatsHeldElsewhere, openClaimChannel } from './chatClaims';

describe('chat claims between tabs', () => {
  const open: ClaimChannel[] = [];
  afterEach(() => {
    for (const channel of open.splice(0)) channel.close();
  });

  it('collects the chats other tabs say they hold, and ignores junk', async () => {
    const tab = openClaimChannel((message) => {
      if (message.type === 'who') tab?.post({ type: 'claim', chatId: 'chat-b' });
    });
    if (!tab) throw new Error('BroadcastChannel missing');
    open.push(tab);
    const junk = new BroadcastChannel('parley.chat-tabs');
    junk.postMessage({ type: 'claim' });
    junk.postMessage('claim');
    junk.close();
    expect([...(await chatsHeldElsewhere(100))]).toEqual(['chat-b']);
  });

  it('hears claims and releases', async () => {
    const heard: string[] = [];
    const dock = openClaimChannel((message) => heard.push(message.type === 'who' ? 'who' : message.chatId));
    const page = openClaimChannel(() => {});
    if (!dock || !page) throw new Error('BroadcastChannel missing');
    open.push(dock, page);
    page.post({ type: 'claim', chatId: 'x' });
    page.post({ type: 'release', chatId: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).toEqual(['x', 'x']);
  });
});
