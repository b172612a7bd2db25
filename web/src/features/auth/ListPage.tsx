// What the pages listing things (API tokens, the admin's users) share: signed-in only, the list
// fetched on first visit, why it did not come (with Retry), the table. Loaded with those pages,
// not with the editor.
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiError, type User } from '../../api/client';
import { errorMessage, FormError } from './Modal';
import { PageFrame, PageLoading } from './PageFrame';
import { useSession } from './session';

/** A page for signed-in users: loading while the session is asked, `signedOut` for a visitor. */
export function SignedInPage({
  title,
  signedOut,
  children,
}: {
  title: string;
  signedOut: string;
  children: (user: User) => ReactNode;
}) {
  const { ready, user } = useSession();
  return (
    <PageFrame title={title}>
      {!ready ? <PageLoading /> : !user ? <p className="page-note">{signedOut}</p> : children(user)}
    </PageFrame>
  );
}

/**
 * What a page lists, fetched when it mounts: `items` (undefined until they come; `setItems`
 * changes them in place), the `error` that stopped the fetch, and `load` to fetch again (Retry).
 * A refusal with one of `refusal.statuses` means the session changed meanwhile: the session is
 * asked again (the page then says what it is); its error is shown too where `refusal.shown`.
 */
export function useListing<T>(fetchItems: () => Promise<T[]>, refusal: { statuses: number[]; shown: boolean }) {
  const { refresh } = useSession();
  const [items, setItems] = useState<T[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  // As the first render gave them: the list is fetched once, then again only on Retry.
  const [fixed] = useState(() => ({ fetchItems, ...refusal }));
  const load = useCallback(async () => {
    try {
      setItems(await fixed.fetchItems());
      setError(undefined);
    } catch (e) {
      const refused = e instanceof ApiError && fixed.statuses.includes(e.status);
      if (refused) void refresh();
      if (!refused || fixed.shown) setError(errorMessage(e));
    }
  }, [refresh, fixed]);
  useEffect(() => {
    void load();
  }, [load]);
  return { items, setItems, error, load };
}

/** Why a page's list did not come, and Retry. */
export function LoadError({ error, onRetry }: { error: string; onRetry: () => void }) {
  return (
    <p className="form-alert" role="alert">
      {error} <button onClick={onRetry}>Retry</button>
    </p>
  );
}

/**
 * A page's table: the error of the last action taken in it, then the column headings (and one,
 * read out only, for the rows' actions) over the rows.
 */
export function DataTable({ error, columns, children }: { error?: string; columns: string[]; children: ReactNode }) {
  return (
    <>
      <FormError error={error} />
      <div className="table-wrap">
        <table className="data">
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column} scope="col">
                  {column}
                </th>
              ))}
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
    </>
  );
}
