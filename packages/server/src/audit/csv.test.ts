import { describe, expect, it } from 'vitest';
import { auditCsv, csvField } from './csv.js';

describe('the audit CSV (issue 8)', () => {
  it('quotes every field, so a separator inside stays inside in every locale', () => {
    expect(csvField("x;=cmd|' /C calc'!A0")).toBe(`"x;=cmd|' /C calc'!A0"`);
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
  });

  it('opens a field that starts like a formula as text', () => {
    for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx'])
      expect(csvField(formula)).toBe(`"'${formula}"`);
  });

  it('writes a header and one line per entry', () => {
    const csv = auditCsv([
      {
        id: '1',
        at: '2026-12-01T00:00:00.000Z',
        actor: 'admin',
        action: 'operator.create',
        target: null,
        address: null,
        details: { a: 1 },
      },
    ]);
    expect(csv).toBe(
      'id,at,actor,action,target,address,details\r\n"1","2026-12-01T00:00:00.000Z","admin","operator.create","","","{""a"":1}"\r\n',
    );
  });
});
