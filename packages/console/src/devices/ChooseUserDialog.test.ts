import { describe, expect, it } from 'vitest';
import { dateTime } from '../chat/time';
import { sessionText } from './ChooseUserDialog';

describe('sessionText', () => {
  const since = '2024-05-14T07:45:00.000Z';

  it('says where and since when each person is logged on, as far as the agent could tell', () => {
    expect(sessionText({ name: 'maria', session: 'console', since })).toBe(
      `At the computer (console session), logged on since ${dateTime(since)}`,
    );
    expect(sessionText({ name: 'jonas', session: 'remote' })).toBe('Remote session');
    expect(sessionText({ name: 'oskar', since })).toBe(`Logged on since ${dateTime(since)}`);
    // An agent from before the session facts reports names only.
    expect(sessionText({ name: 'bob' })).toBe('Logged on');
  });
});
