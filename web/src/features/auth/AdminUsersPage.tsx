// /admin/users: every user, and Disable/Enable (a disabled user's sessions end at once).
import { useCallback, useEffect, useState } from 'react';
import { ApiError, auth, type AdminUser, type User } from '../../api/client';
import { errorMessage, FormError, useSubmit } from './Modal';
import { PageFrame, PageLoading } from './PageFrame';
import { formatTime } from './rules';
import { useSession } from './session';

export default function AdminUsersPage() {
  const { ready, user } = useSession();
  return (
    <PageFrame title="Admin: users">
      {!ready ? (
        <PageLoading />
      ) : !user ? (
        <p className="page-note">Sign in as an administrator to manage users.</p>
      ) : !user.is_admin ? (
        <p className="page-note">Only administrators can see this page.</p>
      ) : (
        <Users key={user.id} me={user} />
      )}
    </PageFrame>
  );
}

function Users({ me }: { me: User }) {
  const { refresh } = useSession();
  const [users, setUsers] = useState<AdminUser[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const action = useSubmit();
  const [pending, setPending] = useState<string | undefined>();

  const load = useCallback(async () => {
    try {
      setUsers(await auth.users());
      setError(undefined);
    } catch (e) {
      // Signed out meanwhile, or no longer an admin: the page then says what the session is.
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) void refresh();
      setError(errorMessage(e));
    }
  }, [refresh]);
  useEffect(() => {
    void load();
  }, [load]);

  const setDisabled = (target: AdminUser, disabled: boolean) => {
    setPending(target.id);
    void action
      .submit(async () => {
        const changed = await auth.setDisabled(target.id, disabled);
        setUsers((list) => list?.map((u) => (u.id === changed.id ? changed : u)));
      })
      .finally(() => setPending(undefined));
  };

  if (error) {
    return (
      <p className="form-alert" role="alert">
        {error} <button onClick={() => void load()}>Retry</button>
      </p>
    );
  }
  if (!users) return <PageLoading />;
  const count = users.length;
  return (
    <section className="card" aria-label="Users">
      <p className="page-note">
        {count} {count === 1 ? 'user' : 'users'}. A disabled user is signed out everywhere, and their API tokens stop
        working until enabled again.
      </p>
      <FormError error={action.error} />
      <div className="table-wrap">
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
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
          </tbody>
        </table>
      </div>
    </section>
  );
}
