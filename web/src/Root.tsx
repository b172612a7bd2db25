// Which page the address shows: the editor (the default, `/` and `/s/{id}` among others), the
// API tokens page or the admin's users page. The pages load on first visit (not with the editor).
import { Component, lazy, Suspense, type ReactNode } from 'react';
import { App } from './App';
import { PageFrame, PageLoading } from './features/auth/PageFrame';
import { routeFor, usePath } from './router';

const TokensPage = lazy(() => import('./features/auth/TokensPage'));
const AdminUsersPage = lazy(() => import('./features/auth/AdminUsersPage'));

export function Root() {
  const route = routeFor(usePath());
  if (route === 'editor') return <App />;
  return (
    <LoadFailure key={route}>
      <Suspense fallback={<PageLoading />}>{route === 'tokens' ? <TokensPage /> : <AdminUsersPage />}</Suspense>
    </LoadFailure>
  );
}

/** A page whose script cannot be fetched (the server was updated or is gone) says so. */
class LoadFailure extends Component<{ children: ReactNode }, { failed: boolean }> {
  state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  render() {
    if (!this.state.failed) return this.props.children;
    return (
      <PageFrame title="Page not loaded">
        <p className="form-alert" role="alert">
          This page could not be loaded. <button onClick={() => location.reload()}>Reload</button>
        </p>
      </PageFrame>
    );
  }
}
