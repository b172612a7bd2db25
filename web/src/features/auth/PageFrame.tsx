// The frame of a page beside the editor: the top bar (the way back, the theme, the account
// corner) and a titled column.
import { useEffect, type ReactNode } from 'react';
import { followLink } from '../../router';
import { useTheme } from '../../theme';
import { AccountArea } from './AccountArea';

export function PageFrame({ title, children }: { title: string; children: ReactNode }) {
  const [dark, toggleTheme] = useTheme();
  useEffect(() => {
    document.title = `${title} · CodeCollab`;
    return () => {
      document.title = 'CodeCollab';
    };
  }, [title]);
  return (
    <div className="app page">
      <header className="topbar">
        <h1 className="brand">CodeCollab</h1>
        <nav aria-label="Pages">
          <a className="back-link" href="/" onClick={followLink}>
            ← Back to editor
          </a>
        </nav>
        <div className="actions">
          <button onClick={toggleTheme} aria-pressed={dark} title="Switch between light and dark">
            {dark ? 'Light theme' : 'Dark theme'}
          </button>
        </div>
        <AccountArea />
      </header>
      <main className="page-body">
        <h2>{title}</h2>
        {children}
      </main>
    </div>
  );
}

export function PageLoading() {
  return <p className="hint">Loading…</p>;
}
