import { describe, expect, it } from 'vitest';
import {
  AccessRightBody,
  CAPABILITIES,
  CAPABILITY_DESCRIPTIONS,
  CreateDeviceGroupBody,
  CreateOperatorBody,
  SetCapabilitiesBody,
} from './administration.js';

describe('administration bodies (issue 8)', () => {
  it('an access right names exactly one subject and one target', () => {
    expect(AccessRightBody.safeParse({ operatorId: 'o', deviceId: 'd', write: 'allow' }).success).toBe(true);
    expect(AccessRightBody.safeParse({ operatorGroupId: 'g', deviceGroupId: 'dg', read: null }).success).toBe(
      true,
    );
    expect(AccessRightBody.safeParse({ deviceId: 'd', read: 'allow' }).success).toBe(false);
    expect(AccessRightBody.safeParse({ operatorId: 'o', operatorGroupId: 'g', deviceId: 'd' }).success).toBe(
      false,
    );
    expect(AccessRightBody.safeParse({ operatorId: 'o', deviceId: 'd', deviceGroupId: 'dg' }).success).toBe(
      false,
    );
    expect(AccessRightBody.safeParse({ operatorId: 'o', deviceId: 'd', read: 'maybe' }).success).toBe(false);
  });

  it('a username is something a shell and a sign-in form take as it is', () => {
    const body = (username: string) => ({ username, password: 'correct horse battery' });
    expect(CreateOperatorBody.safeParse(body('maria.jensen@front-desk')).success).toBe(true);
    for (const bad of ['', ' maria', 'maria jensen', '-rf', 'a;rm', 'x'.repeat(65), '<script>']) {
      expect(CreateOperatorBody.safeParse(body(bad)).success, bad).toBe(false);
    }
    expect(CreateOperatorBody.safeParse({ username: 'maria', password: 'short' }).success).toBe(false);
  });

  it('capabilities are the listed ones, each with its sentence', () => {
    expect(CAPABILITIES).toContain('instant-messaging');
    for (const capability of CAPABILITIES)
      expect(CAPABILITY_DESCRIPTIONS[capability].length).toBeGreaterThan(10);
    expect(SetCapabilitiesBody.safeParse({ capabilities: ['audit.view'] }).success).toBe(true);
    expect(SetCapabilitiesBody.safeParse({ capabilities: ['root'] }).success).toBe(false);
  });

  it('a dynamic group needs a rule with a condition', () => {
    expect(
      CreateDeviceGroupBody.safeParse({ name: 'Front desk', rule: { namePattern: 'FD-*' } }).success,
    ).toBe(true);
    expect(CreateDeviceGroupBody.safeParse({ name: 'Front desk', rule: {} }).success).toBe(false);
    expect(CreateDeviceGroupBody.safeParse({ name: '   ' }).success).toBe(false);
  });
});
