import { describe, expect, it } from 'vitest';
import {
  authTabs,
  expiresInDays,
  expiryLabel,
  EXPIRY_CHOICES,
  formatTime,
  lastUsedLabel,
  menuItems,
  passwordProblem,
  scopesFor,
  shownName,
  tokenFormProblem,
  usernameProblem,
} from './rules';

describe('scopesFor', () => {
  it('offers admin to administrators only', () => {
    expect(scopesFor({ is_admin: false }).map((s) => s.id)).toEqual(['runs', 'projects:read', 'projects:write', 'functions']);
    expect(scopesFor({ is_admin: true }).map((s) => s.id)).toEqual([
      'runs',
      'projects:read',
      'projects:write',
      'functions',
      'admin',
    ]);
    expect(scopesFor(null).map((s) => s.id)).not.toContain('admin');
  });
});

describe('expiresInDays', () => {
  it('turns the select into the request field', () => {
    expect(expiresInDays('7')).toBe(7);
    expect(expiresInDays('30')).toBe(30);
    expect(expiresInDays('90')).toBe(90);
    expect(expiresInDays('never')).toBeNull();
  });
  it('has exactly the four choices, 30 days among them', () => {
    expect(EXPIRY_CHOICES.map((c) => c.label)).toEqual(['7 days', '30 days', '90 days', 'Never']);
  });
  it('refuses an unknown choice', () => {
    expect(() => expiresInDays('365')).toThrow();
  });
});

describe('token dates', () => {
  const at = new Date(2031, 0, 2, 3, 4).getTime();
  it('formats local time as YYYY-MM-DD HH:MM', () => {
    expect(formatTime(at)).toBe('2031-01-02 03:04');
  });
  it('says Never, a date, or Expired', () => {
    expect(expiryLabel({ expires_at: null }, at)).toBe('Never');
    expect(expiryLabel({ expires_at: at + 60_000 }, at)).toBe('2031-01-02 03:05');
    expect(expiryLabel({ expires_at: at }, at)).toBe('Expired 2031-01-02 03:04');
    expect(lastUsedLabel({ last_used_at: null })).toBe('Never used');
    expect(lastUsedLabel({ last_used_at: at })).toBe('2031-01-02 03:04');
  });
});

describe('tokenFormProblem', () => {
  it('wants a name and a scope', () => {
    expect(tokenFormProblem('  ', ['runs'])).toMatch(/name/);
    expect(tokenFormProblem('ci', [])).toMatch(/scope/);
    expect(tokenFormProblem('x'.repeat(65), ['runs'])).toMatch(/64/);
    expect(tokenFormProblem('ci', ['runs'])).toBeUndefined();
  });
});

describe('usernameProblem and passwordProblem', () => {
  it('follow the server rule: 3–32 of a-z 0-9 - _, starting with a letter', () => {
    for (const ok of ['ada', 'a-b_c9', 'x'.repeat(32)]) expect(usernameProblem(ok), ok).toBeUndefined();
    for (const bad of ['', 'ab', 'x'.repeat(33), '9lives', '-ada', 'ada!', 'ad a', 'élan']) {
      expect(usernameProblem(bad), bad).toBeDefined();
    }
    expect(usernameProblem('Ada')).toMatch(/lower-case/);
  });
  it('asks for at least 10 characters', () => {
    expect(passwordProblem('123456789')).toMatch(/10/);
    expect(passwordProblem('1234567890')).toBeUndefined();
  });
});

describe('menuItems', () => {
  it('gives a guest Claim and no password change', () => {
    expect(menuItems({ is_guest: true, is_admin: false })).toEqual(['claim', 'tokens', 'signout']);
  });
  it('gives a user a password change', () => {
    expect(menuItems({ is_guest: false, is_admin: false })).toEqual(['tokens', 'password', 'signout']);
  });
  it('gives an admin the users page', () => {
    expect(menuItems({ is_guest: false, is_admin: true })).toEqual(['tokens', 'admin', 'password', 'signout']);
  });
});

describe('authTabs and shownName', () => {
  it('hides Sign up when sign-up is closed', () => {
    expect(authTabs({ signup: 'open' })).toEqual(['signin', 'signup']);
    expect(authTabs({ signup: 'invite' })).toEqual(['signin', 'signup']);
    expect(authTabs({ signup: 'closed' })).toEqual(['signin']);
  });
  it('shows the display name, else the username', () => {
    expect(shownName({ display_name: 'Ada L.', username: 'ada' })).toBe('Ada L.');
    expect(shownName({ display_name: ' ', username: 'ada' })).toBe('ada');
  });
});
