// Who is signed in, and what this server offers (sign-up, guests, OIDC): loaded once at start
// from `/api/v1/me` and `/api/v1/auth/config`. The session itself is the server's HttpOnly
// cookie; this only mirrors the user it belongs to.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { auth, type AuthConfig, type User } from '../../api/client';

export interface Session {
  /** Both requests answered (or failed). */
  ready: boolean;
  user: User | null;
  /** Null until loaded, and on a server without accounts (the account area then stays away). */
  config: AuthConfig | null;
  /** After sign-in, sign-up, guest or claim: the user the server answered with. */
  setUser: (user: User | null) => void;
  /** Asks the server again who this is (a session can end on the server's side). */
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [ready, setReady] = useState(false);
  const [user, setUser] = useState<User | null>(null);
  const [config, setConfig] = useState<AuthConfig | null>(null);

  const refresh = useCallback(async () => {
    try {
      setUser(await auth.me());
    } catch {
      // Unreachable or no accounts on this server: nobody is signed in as far as the UI knows.
      // (The editor says so when the server cannot be reached.)
      setUser(null);
    }
  }, []);

  useEffect(() => {
    let live = true;
    void Promise.allSettled([auth.config(), auth.me()]).then(([c, u]) => {
      if (!live) return;
      setConfig(c.status === 'fulfilled' && c.value && typeof c.value.signup === 'string' ? c.value : null);
      setUser(u.status === 'fulfilled' ? u.value : null);
      setReady(true);
    });
    return () => {
      live = false;
    };
  }, []);

  // Coming back to the tab: the session may have expired or been ended (signed out elsewhere,
  // account disabled) meanwhile.
  useEffect(() => {
    if (!config) return;
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [config, refresh]);

  const signOut = useCallback(async () => {
    await auth.logout();
    setUser(null);
  }, []);

  const value = useMemo(
    () => ({ ready, user, config, setUser, refresh, signOut }),
    [ready, user, config, refresh, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
