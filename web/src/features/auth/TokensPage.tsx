// /account/tokens: the user's API tokens. Create one (name, scopes, expiry) and see its secret
// this once; revoke one (after a confirmation).
import { useId, useState } from 'react';
import { auth, ApiError, type Token, type User } from '../../api/client';
import { FormError, useSubmit } from './Modal';
import { DataTable, LoadError, SignedInPage, useListing } from './ListPage';
import { PageLoading } from './PageFrame';
import {
  DEFAULT_EXPIRY,
  EXPIRY_CHOICES,
  expiresInDays,
  expiryLabel,
  formatTime,
  lastUsedLabel,
  scopesFor,
  tokenFormProblem,
} from './rules';

export default function TokensPage() {
  return (
    <SignedInPage title="API tokens" signedOut="Sign in to see and create your API tokens.">
      {(user) => <Tokens key={user.id} user={user} />}
    </SignedInPage>
  );
}

// The session ended on the server's side: the page then asks to sign in.
const REFUSED = { statuses: [401], shown: false };

function Tokens({ user }: { user: User }) {
  const { items: tokens, setItems: setTokens, error, load } = useListing(auth.tokens, REFUSED);
  const [created, setCreated] = useState<{ token: Token; secret: string } | undefined>();

  return (
    <>
      <p className="page-note">
        A token lets a program use the API as you: it sends <code>Authorization: Bearer &lt;token&gt;</code>. Give
        each program its own token, with only the scopes it needs, and revoke it when it is done.
      </p>
      {created && <NewSecret {...created} onDone={() => setCreated(undefined)} />}
      <CreateToken
        user={user}
        onCreated={(made) => {
          setCreated(made);
          setTokens((list) => [made.token, ...(list ?? []).filter((t) => t.id !== made.token.id)]);
        }}
      />
      <section className="card" aria-labelledby="tokens-heading">
        <h3 id="tokens-heading">Your tokens</h3>
        {error && <LoadError error={error} onRetry={() => void load()} />}
        {tokens === undefined ? (
          !error && <PageLoading />
        ) : tokens.length === 0 ? (
          <p className="page-note">No tokens yet.</p>
        ) : (
          <TokenTable
            tokens={tokens}
            onRevoked={(id) => {
              setTokens((list) => list?.filter((t) => t.id !== id));
              if (created?.token.id === id) setCreated(undefined);
            }}
          />
        )}
      </section>
    </>
  );
}

function NewSecret({ token, secret, onDone }: { token: Token; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async (event: React.MouseEvent<HTMLButtonElement>) => {
    const field = event.currentTarget.parentElement?.querySelector('input');
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      // No clipboard permission: the secret is selected for the user to copy.
      field?.select();
    }
  };
  return (
    <section className="card secret" aria-labelledby="secret-heading">
      <h3 id="secret-heading">Token “{token.name}” created</h3>
      <p className="secret-note">
        <strong>Copy it now: it won't be shown again.</strong> Keep it like a password.
      </p>
      <div className="copy-row">
        <input aria-label="New token secret" readOnly value={secret} spellCheck={false} onFocus={(e) => e.target.select()} />
        <button className="primary" onClick={(e) => void copy(e)}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <div className="dialog-actions">
        <button onClick={onDone}>Done</button>
      </div>
    </section>
  );
}

function CreateToken({ user, onCreated }: { user: User; onCreated: (made: { token: Token; secret: string }) => void }) {
  const scopes = scopesFor(user);
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [expiry, setExpiry] = useState(DEFAULT_EXPIRY);
  const { busy, error, setError, submit } = useSubmit();
  const id = useId();

  const toggle = (scope: string, on: boolean) =>
    setChosen((list) => (on ? [...list.filter((s) => s !== scope), scope] : list.filter((s) => s !== scope)));

  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>New token</h3>
      <form
        className="token-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const problem = tokenFormProblem(name, chosen);
          if (problem) {
            setError(problem);
            return;
          }
          // In the order the list shows them, whatever order they were ticked in.
          const ordered = scopes.map((s) => s.id).filter((s) => chosen.includes(s));
          void submit(async () => {
            const made = await auth.createToken({
              name: name.trim(),
              scopes: ordered,
              expires_in_days: expiresInDays(expiry),
            });
            onCreated(made);
            setName('');
            setChosen([]);
          });
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-name`}>Token name</label>
          <input
            id={`${id}-name`}
            value={name}
            maxLength={64}
            placeholder="e.g. CI on my laptop"
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <fieldset className="scopes">
          <legend>Scopes</legend>
          {scopes.map((scope) => (
            <div key={scope.id} className="scope">
              <input
                type="checkbox"
                id={`${id}-scope-${scope.id}`}
                checked={chosen.includes(scope.id)}
                aria-describedby={`${id}-scope-${scope.id}-about`}
                onChange={(e) => toggle(scope.id, e.target.checked)}
              />
              <label htmlFor={`${id}-scope-${scope.id}`}>{scope.id}</label>
              <span id={`${id}-scope-${scope.id}-about`} className="field-hint">
                {scope.description}
              </span>
            </div>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-expiry`}>Expires in</label>
          <select id={`${id}-expiry`} value={expiry} onChange={(e) => setExpiry(e.target.value)}>
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <FormError error={error} />
        <div>
          <button type="submit" className="primary" disabled={busy}>
            Create token
          </button>
        </div>
      </form>
    </section>
  );
}

function TokenTable({ tokens, onRevoked }: { tokens: Token[]; onRevoked: (id: string) => void }) {
  const [confirming, setConfirming] = useState<string | undefined>();
  const { busy, error, submit } = useSubmit();
  const now = Date.now();
  const revoke = (token: Token) =>
    void submit(async () => {
      try {
        await auth.revokeToken(token.id);
      } catch (e) {
        // Already gone is what was asked for.
        if (!(e instanceof ApiError && e.status === 404)) throw e;
      }
      setConfirming(undefined);
      onRevoked(token.id);
    });
  return (
    <DataTable error={error} columns={['Name', 'Scopes', 'Created', 'Expires', 'Last used']}>
      {tokens.map((token) => {
        const expired = token.expires_at !== null && token.expires_at <= now;
        return (
          <tr key={token.id} className={expired ? 'expired' : undefined}>
            <td>{token.name}</td>
            <td>
              {token.scopes.map((s) => (
                <code key={s} className="scope-tag">
                  {s}
                </code>
              ))}
            </td>
            <td>{formatTime(token.created_at)}</td>
            <td>{expiryLabel(token, now)}</td>
            <td>{lastUsedLabel(token)}</td>
            <td className="row-actions">
              {confirming === token.id ? (
                <span className="confirm">
                  <span>Revoke? Programs using it lose access.</span>
                  <button className="danger" disabled={busy} onClick={() => revoke(token)}>
                    Yes, revoke
                  </button>
                  <button onClick={() => setConfirming(undefined)}>Cancel</button>
                </span>
              ) : (
                <button aria-label={`Revoke ${token.name}`} onClick={() => setConfirming(token.id)}>
                  Revoke
                </button>
              )}
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
