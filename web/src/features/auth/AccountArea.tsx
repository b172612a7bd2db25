// The top bar's account corner: "Sign in" for a visitor; for a signed-in user a menu button
// with the name (and a "guest" badge) holding Claim account, API tokens, Admin: users, Change
// password and Sign out. Nothing at all on a server without accounts.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { followLink } from '../../router';
import { ClaimDialog, PasswordDialog } from './AccountDialogs';
import { AuthDialog } from './AuthDialog';
import { menuItems, shownName, type MenuItem } from './rules';
import { useSession } from './session';

type Dialog = 'auth' | 'claim' | 'password';

const LABELS: Record<MenuItem, string> = {
  claim: 'Claim account',
  tokens: 'API tokens',
  admin: 'Admin: users',
  password: 'Change password',
  signout: 'Sign out',
};

const LINKS: Partial<Record<MenuItem, string>> = { tokens: '/account/tokens', admin: '/admin/users' };

export function AccountArea() {
  const { ready, config, user, signOut, refresh } = useSession();
  const [dialog, setDialog] = useState<Dialog | undefined>();
  if (!ready || !config) return null;
  const close = () => setDialog(undefined);
  return (
    <div className="account">
      {user ? (
        <AccountMenu
          name={shownName(user)}
          guest={user.is_guest}
          items={menuItems(user)}
          onPick={(item) => {
            if (item === 'claim' || item === 'password') setDialog(item);
            // Whatever went wrong, the UI then shows what the server says is signed in.
            else if (item === 'signout') void signOut().catch(() => refresh());
          }}
        />
      ) : (
        <button onClick={() => setDialog('auth')}>Sign in</button>
      )}
      {dialog === 'auth' && <AuthDialog onClose={close} />}
      {dialog === 'claim' && <ClaimDialog onClose={close} />}
      {dialog === 'password' && <PasswordDialog onClose={close} />}
    </div>
  );
}

function AccountMenu({
  name,
  guest,
  items,
  onPick,
}: {
  name: string;
  guest: boolean;
  items: MenuItem[];
  onPick: (item: MenuItem) => void;
}) {
  const [open, setOpen] = useState(false);
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  const entries = () => [...(wrap.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
  useEffect(() => {
    if (!open) return;
    entries()[0]?.focus();
    const outside = (event: PointerEvent) => {
      if (!wrap.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  const onKey = (event: KeyboardEvent) => {
    const all = entries();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => {
      event.preventDefault();
      all[(to + all.length) % all.length]?.focus();
    };
    if (event.key === 'Escape') {
      event.preventDefault();
      setOpen(false);
      button.current?.focus();
    } else if (event.key === 'ArrowDown') move(at + 1);
    else if (event.key === 'ArrowUp') move(at - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(all.length - 1);
    else if (event.key === 'Tab') setOpen(false);
  };

  const pick = (item: MenuItem) => {
    setOpen(false);
    onPick(item);
  };

  return (
    <div className="account-menu" ref={wrap} onKeyDown={onKey}>
      <button
        ref={button}
        className="account-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="visually-hidden">Account: </span>
        <span className="account-name">{name}</span>
        {guest && <span className="badge">guest</span>}
      </button>
      {open && (
        <ul className="menu" role="menu" id={menuId} aria-label="Account">
          {items.map((item) => {
            const href = LINKS[item];
            return (
              <li key={item} role="none">
                {href ? (
                  <a
                    role="menuitem"
                    href={href}
                    tabIndex={-1}
                    onClick={(event) => {
                      setOpen(false);
                      followLink(event);
                    }}
                  >
                    {LABELS[item]}
                  </a>
                ) : (
                  <button role="menuitem" tabIndex={-1} onClick={() => pick(item)}>
                    {LABELS[item]}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
