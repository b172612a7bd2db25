// A guest claiming the account (it keeps everything), and a user changing the password.
import { useState } from 'react';
import { auth } from '../../api/client';
import { Field, FormError, Modal, useSubmit } from './Modal';
import { PASSWORD_RULE, passwordProblem, USERNAME_RULE, usernameProblem } from './rules';
import { useSession } from './session';

export function ClaimDialog({ onClose }: { onClose: () => void }) {
  const { setUser } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, setError, submit } = useSubmit();
  return (
    <Modal title="Claim this account" onClose={onClose} className="auth">
      {(close) => (
        <form
          className="auth-form"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            const problem = usernameProblem(username) ?? passwordProblem(password);
            if (problem) {
              setError(problem);
              return;
            }
            void submit(async () => {
              setUser(await auth.claim({ username, password }));
              close();
            });
          }}
        >
          <p className="dialog-text">
            Choose a username and password to sign in with from now on. Everything made as this guest stays yours.
          </p>
          <Field
            label="Username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            value={username}
            hint={USERNAME_RULE}
            onChange={(e) => setUsername(e.target.value)}
          />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            value={password}
            hint={PASSWORD_RULE}
            onChange={(e) => setPassword(e.target.value)}
          />
          <FormError error={error} />
          <div className="dialog-actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy}>
              Claim account
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

export function PasswordDialog({ onClose }: { onClose: () => void }) {
  const { user } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, setError, submit } = useSubmit();
  return (
    <Modal title="Change password" onClose={onClose} className="auth">
      {(close) =>
        done ? (
          <>
            <p className="dialog-text" role="status">
              Your password was changed.
            </p>
            <div className="dialog-actions">
              <button className="primary" onClick={close} autoFocus>
                Done
              </button>
            </div>
          </>
        ) : (
          <form
            className="auth-form"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              const problem = current === '' ? 'Enter your current password.' : passwordProblem(next);
              if (problem) {
                setError(problem);
                return;
              }
              void submit(async () => {
                await auth.changePassword({ current_password: current, new_password: next });
                setDone(true);
              });
            }}
          >
            {/* For password managers: which account this is. */}
            <input type="text" name="username" autoComplete="username" value={user?.username ?? ''} readOnly hidden />
            <Field
              label="Current password"
              name="current-password"
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
            <Field
              label="New password"
              name="new-password"
              type="password"
              autoComplete="new-password"
              value={next}
              hint={PASSWORD_RULE}
              onChange={(e) => setNext(e.target.value)}
            />
            <FormError error={error} />
            <div className="dialog-actions">
              <button type="button" onClick={close}>
                Cancel
              </button>
              <button type="submit" className="primary" disabled={busy}>
                Change password
              </button>
            </div>
          </form>
        )
      }
    </Modal>
  );
}
