import { describe, expect, it } from 'vitest';
import { routeFor } from './router';

describe('routeFor', () => {
  it('routes the account pages and leaves everything else to the editor', () => {
    expect(routeFor('/account/tokens')).toBe('tokens');
    expect(routeFor('/account/tokens/')).toBe('tokens');
    expect(routeFor('/admin/users')).toBe('admin-users');
    expect(routeFor('/')).toBe('editor');
    expect(routeFor('/s/AbCdEf1234')).toBe('editor');
    expect(routeFor('/account')).toBe('editor');
    expect(routeFor('/admin/users/x')).toBe('editor');
  });
});
