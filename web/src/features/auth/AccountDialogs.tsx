// A guest claiming the account (it keeps everything), and a user changing the password.
import { useState } from 'react';
import { auth } from '../../api/client';
import { FormDialog, PasswordField, UsernameField } from './DialogForm';
import { PASSWORD_RULE, passwordProblem, USERNAME_RULE, usernameProblem } from './rules';
import { useSession } from './session';

export function ClaimDialog({ onClose }: { onClose: () => void }) {
  const { setUser } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  // The guest becomes this user (same id), and is shown so at once.
  const claim = async (close: () => void) => {
    setUser(await auth.claim({ username, password }));
    close();
  };
  return (
    <FormDialog
      title="Claim this account"
      onClose={onClose}
      submitLabel="Claim account"
      check={() => usernameProblem(username) ?? passwordProblem(password)}
      action={claim}
    >
      <p className="dialog-text">
        Choose a username and password to sign in with from now on. Everything made as this guest stays yours.
      </p>
      <UsernameField value={username} hint={USERNAME_RULE} onValue={setUsername} />
      <PasswordField autoComplete="new-password" value={password} hint={PASSWORD_RULE} onValue={setPassword} />
    </FormDialog>
  );
}

export function PasswordDialog({ onClose }: { onClose: () => void }) {
  const { user } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  return (
    <FormDialog
      title="Change password"
      onClose={onClose}
      submitLabel="Change password"
      check={() => (current === '' ? 'Enter your current password.' : passwordProblem(next))}
      action={() => auth.changePassword({ current_password: current, new_password: next })}
      done="Your password was changed."
    >
      {/* For password managers: which account this is. */}
      <input type="text" name="username" autoComplete="username" value={user?.username ?? ''} readOnly hidden />
      <PasswordField
        label="Current password"
        name="current-password"
        autoComplete="current-password"
        value={current}
        onValue={setCurrent}
      />
      <PasswordField
        label="New password"
        name="new-password"
        autoComplete="new-password"
        value={next}
        hint={PASSWORD_RULE}
        onValue={setNext}
      />
    </FormDialog>
  );
}
