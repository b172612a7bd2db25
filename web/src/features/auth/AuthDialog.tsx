// Sign in / Sign up (a tab each; no Sign up where the server takes none), and Continue as guest.
import { useState, type KeyboardEvent } from 'react';
import { auth } from '../../api/client';
import { DialogForm, PasswordField, UsernameField } from './DialogForm';
import { Field, Modal, useSubmit } from './Modal';
import { authTabs, PASSWORD_RULE, passwordProblem, USERNAME_RULE, usernameProblem, type AuthTab } from './rules';
import { useSession } from './session';

const TAB_LABEL: Record<AuthTab, string> = { signin: 'Sign in', signup: 'Sign up' };

export function AuthDialog({ onClose, initialTab = 'signin' }: { onClose: () => void; initialTab?: AuthTab }) {
  const { config, setUser } = useSession();
  const tabs = config ? authTabs(config) : (['signin'] as AuthTab[]);
  const [tab, setTab] = useState<AuthTab>(tabs.includes(initialTab) ? initialTab : 'signin');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const [invite, setInvite] = useState('');
  const byInvite = config?.signup === 'invite';
  const submission = useSubmit();
  const { busy, setError, submit } = submission;

  const choose = (next: AuthTab) => {
    setTab(next);
    setError(undefined);
  };
  const onTabKey = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const next = tabs[(tabs.indexOf(tab) + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    choose(next);
    document.getElementById(`auth-tab-${next}`)?.focus();
  };

  return (
    <Modal title={tab === 'signup' ? 'Create an account' : 'Sign in to CodeCollab'} onClose={onClose} className="auth">
      {(close) => {
        const check = () => {
          if (tab === 'signin') return username === '' || password === '' ? 'Enter your username and password.' : undefined;
          return (
            (byInvite && invite.trim() === '' ? 'Enter your invitation code.' : undefined) ??
            usernameProblem(username) ??
            passwordProblem(password)
          );
        };
        const send = async () => {
          setUser(
            tab === 'signin'
              ? await auth.login({ username, password })
              : await auth.signup({
                  username,
                  password,
                  ...(email.trim() ? { email: email.trim() } : {}),
                  ...(byInvite ? { invite: invite.trim() } : {}),
                }),
          );
          close();
        };
        const guest = () =>
          void submit(async () => {
            setUser(await auth.guest());
            close();
          });
        return (
          <>
            {tabs.length > 1 && (
              <div className="auth-tabs" role="tablist" aria-label="Account" onKeyDown={onTabKey}>
                {tabs.map((t) => (
                  <button
                    key={t}
                    id={`auth-tab-${t}`}
                    type="button"
                    role="tab"
                    aria-selected={t === tab}
                    aria-controls="auth-panel"
                    tabIndex={t === tab ? 0 : -1}
                    onClick={() => choose(t)}
                  >
                    {TAB_LABEL[t]}
                  </button>
                ))}
              </div>
            )}
            <DialogForm
              id="auth-panel"
              role={tabs.length > 1 ? 'tabpanel' : undefined}
              aria-labelledby={tabs.length > 1 ? `auth-tab-${tab}` : undefined}
              submission={submission}
              check={check}
              action={send}
              submitLabel={tab === 'signup' ? 'Create account' : 'Sign in'}
              onCancel={close}
            >
              {tab === 'signup' && byInvite && (
                <Field
                  label="Invitation code"
                  name="invite"
                  autoComplete="off"
                  spellCheck={false}
                  value={invite}
                  hint="Sign-up on this server is by invitation: an administrator gives the code."
                  onChange={(e) => setInvite(e.target.value)}
                />
              )}
              <UsernameField required value={username} hint={tab === 'signup' ? USERNAME_RULE : undefined} onValue={setUsername} />
              {tab === 'signup' && (
                <Field
                  label="Email (optional)"
                  name="email"
                  type="email"
                  autoComplete="email"
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                />
              )}
              <PasswordField
                autoComplete={tab === 'signup' ? 'new-password' : 'current-password'}
                required
                value={password}
                hint={tab === 'signup' ? PASSWORD_RULE : undefined}
                onValue={setPassword}
              />
            </DialogForm>
            {(config?.guests || config?.oidc) && (
              <div className="auth-alt">
                {config.oidc && (
                  <a className="button-like" href="/api/v1/auth/oidc/login">
                    Sign in with {config.oidc.name}
                  </a>
                )}
                {config.guests && (
                  <button type="button" onClick={guest} disabled={busy}>
                    Continue as guest
                  </button>
                )}
                {config.guests && <small className="field-hint">A guest can claim the account later and keep everything.</small>}
              </div>
            )}
          </>
        );
      }}
    </Modal>
  );
}
