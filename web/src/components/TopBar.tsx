// The top bar of the IDE and of the pages beside it: the name, what the screen puts beside it
// (the language picker, the way back), its buttons ending with the theme switch, and the
// account corner.
import type { ReactNode } from 'react';
import { AccountArea } from '../features/auth/AccountArea';

export function TopBar({
  dark,
  onToggleTheme,
  actions,
  children,
}: {
  /** The theme shown (`useTheme`), and switching it. */
  dark: boolean;
  onToggleTheme: () => void;
  /** Buttons before the theme switch. */
  actions?: ReactNode;
  /** Between the name and the buttons. */
  children?: ReactNode;
}) {
  return (
    <header className="topbar">
      <h1 className="brand">CodeCollab</h1>
      {children}
      <div className="actions">
        {actions}
        <button onClick={onToggleTheme} aria-pressed={dark} title="Switch between light and dark">
          {dark ? 'Light theme' : 'Dark theme'}
        </button>
      </div>
      <AccountArea />
    </header>
  );
}
