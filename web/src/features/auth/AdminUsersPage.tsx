// /admin/users: every user, and Disable/Enable (a disabled user's sessions end at once).
import { useState } from 'react';
import { auth, type AdminUser, type User } from '../../api/client';
import { useSubmit } from './Modal';
import { DataTable, LoadError, SignedInPage, useListing } from './ListPage';
import { PageLoading } from './PageFrame';
import { formatTime } from './rules';

export default function AdminUsersPage() {
  return (
    <SignedInPage title="Admin: users" signedOut="Sign in as an administrator to manage users.">
      {(user) =>
        user.is_admin ? <Users key={user.id} me={user} /> : <p className="page-note">Only administrators can see this page.</p>
      }
    </SignedInPage>
  );
}

// Signed out meanwhile, or no longer an admin: the page then says what the session is.
const REFUSED = { statuses: [401, 403], shown: true };

function Users({ me }: { me: User }) {
  const { items: users, setItems: setUsers, error, load } = useListing(auth.users, REFUSED);
  const action = useSubmit();
  const [pending, setPending] = useState<string | undefined>();

  const setDisabled = (target: AdminUser, disabled: boolean) => {
    setPending(target.id);
    void action
      .submit(async () => {
        const changed = await auth.setDisabled(target.id, disabled);
        setUsers((list) => list?.map((u) => (u.id === changed.id ? changed : u)));
      })
      .finally(() => setPending(undefined));
  };

  if (error) return <LoadError error={error} onRetry={() => void load()} />;
  if (!users) return <PageLoading />;
  const count = users.length;
  return (
    <section className="card" aria-label="Users">
      <p className="page-note">
        {count} {count === 1 ? 'user' : 'users'}. A disabled user is signed out everywhere, and their API tokens stop
        working until enabled again.
      </p>
      <DataTable error={action.error} columns={['Username', 'Name', 'Email', 'Role', 'Status', 'Created']}>
        {users.map((u) => (
          <tr key={u.id} className={u.disabled ? 'disabled' : undefined}>
            <td>{u.username}</td>
            <td>{u.display_name}</td>
            <td>{u.email ?? '—'}</td>
            <td>{u.is_admin ? 'admin' : u.is_guest ? 'guest' : 'user'}</td>
            <td>
              <span className={`status ${u.disabled ? 'status-off' : 'status-on'}`}>
                {u.disabled ? 'Disabled' : 'Active'}
              </span>
            </td>
            <td>{formatTime(u.created_at)}</td>
            <td className="row-actions">
              {u.id === me.id ? (
                <span className="field-hint">you</span>
              ) : u.disabled ? (
                <button aria-label={`Enable ${u.username}`} disabled={pending === u.id} onClick={() => setDisabled(u, false)}>
                  Enable
                </button>
              ) : (
                <button
                  className="danger"
                  aria-label={`Disable ${u.username}`}
                  disabled={pending === u.id}
                  onClick={() => setDisabled(u, true)}
                >
                  Disable
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}
