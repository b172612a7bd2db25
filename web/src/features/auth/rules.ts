// What the accounts UI decides without the server: which fields are worth sending, which scopes
// and menu entries a user is offered, and how token dates read. The server still checks all of
// it; these only spare a round trip and say why up front.
import type { AuthConfig, Token, User } from '../../api/client';

export const USERNAME_RULE = '3–32 characters: a–z, 0–9, - and _, starting with a letter';
export const PASSWORD_MIN = 10;
export const PASSWORD_RULE = `At least ${PASSWORD_MIN} characters, not a common password`;

/** Why the server would refuse this username (`invalid_username`), or undefined. */
export function usernameProblem(username: string): string | undefined {
  if (username === '') return 'Enter a username.';
  if (/^[a-z][a-z0-9_-]{2,31}$/.test(username)) return undefined;
  if (/[A-Z]/.test(username) && /^[a-z][a-z0-9_-]{2,31}$/.test(username.toLowerCase())) {
    return 'Use lower-case letters only.';
  }
  return `A username is ${USERNAME_RULE}.`;
}

/** Why a new password is too weak to send (the server also refuses common ones), or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN) return `A password has at least ${PASSWORD_MIN} characters.`;
  return undefined;
}

export interface ScopeInfo {
  id: string;
  description: string;
}

export const SCOPES: readonly ScopeInfo[] = [
  { id: 'runs', description: 'submit runs and read their results' },
  { id: 'projects:read', description: 'read your projects' },
  { id: 'projects:write', description: 'create, change and delete your projects' },
  { id: 'functions', description: 'call and manage your functions' },
  { id: 'admin', description: 'everything an administrator can do' },
];

/** The scopes a token of this user may carry: `admin` for administrators only. */
export function scopesFor(user: Pick<User, 'is_admin'> | null | undefined): ScopeInfo[] {
  return SCOPES.filter((s) => s.id !== 'admin' || Boolean(user?.is_admin));
}

export interface ExpiryChoice {
  value: string;
  label: string;
  days: number | null;
}

export const EXPIRY_CHOICES: readonly ExpiryChoice[] = [
  { value: '7', label: '7 days', days: 7 },
  { value: '30', label: '30 days', days: 30 },
  { value: '90', label: '90 days', days: 90 },
  { value: 'never', label: 'Never', days: null },
];

export const DEFAULT_EXPIRY = '30';

/** `expires_in_days` for the choice in the select (null: never expires). */
export function expiresInDays(value: string): number | null {
  const choice = EXPIRY_CHOICES.find((c) => c.value === value);
  if (!choice) throw new Error(`unknown expiry ${value}`);
  return choice.days;
}

/** Why the token form cannot be sent yet, or undefined. */
export function tokenFormProblem(name: string, scopes: readonly string[]): string | undefined {
  if (name.trim() === '') return 'Give the token a name (what will use it?).';
  if (name.trim().length > 64) return 'A token name is at most 64 characters.';
  if (scopes.length === 0) return 'Choose at least one scope.';
  return undefined;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A time the server sent (ms since the epoch) as local `YYYY-MM-DD HH:MM`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** How a token's expiry reads in the list. */
export function expiryLabel(token: Pick<Token, 'expires_at'>, now: number): string {
  if (token.expires_at === null) return 'Never';
  if (token.expires_at <= now) return `Expired ${formatTime(token.expires_at)}`;
  return formatTime(token.expires_at);
}

export function lastUsedLabel(token: Pick<Token, 'last_used_at'>): string {
  return token.last_used_at === null ? 'Never used' : formatTime(token.last_used_at);
}

export type MenuItem = 'claim' | 'tokens' | 'admin' | 'password' | 'signout';

/** The account menu's entries, in order, for this user. */
export function menuItems(user: Pick<User, 'is_admin' | 'is_guest'>): MenuItem[] {
  const items: MenuItem[] = [];
  if (user.is_guest) items.push('claim');
  items.push('tokens');
  if (user.is_admin) items.push('admin');
  if (!user.is_guest) items.push('password');
  items.push('signout');
  return items;
}

export type AuthTab = 'signin' | 'signup';

/** The sign-in dialog's tabs: no Sign up where the server takes no sign-ups. */
export function authTabs(config: Pick<AuthConfig, 'signup'>): AuthTab[] {
  return config.signup === 'closed' ? ['signin'] : ['signin', 'signup'];
}

/** The name the top bar shows. */
export function shownName(user: Pick<User, 'display_name' | 'username'>): string {
  return user.display_name.trim() || user.username;
}
