// The frame of a page beside the editor: the top bar (the way back, the theme, the account
// corner) and a titled column.
import { useEffect, type ReactNode } from 'react';
import { TopBar } from '../../components/TopBar';
import { followLink } from '../../router';
import { useTheme } from '../../theme';

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
      <TopBar dark={dark} onToggleTheme={toggleTheme}>
        <nav aria-label="Pages">
          <a className="back-link" href="/" onClick={followLink}>
            ← Back to editor
          </a>
        </nav>
      </TopBar>
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
