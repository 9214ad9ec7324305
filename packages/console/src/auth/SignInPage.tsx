import type { OperatorView } from '@parley/protocol';
import { LogIn } from 'lucide-react';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { api } from '../api/http';
import { setPageTitle } from '../chat/tabBadge';
import { Logo } from '../kit/Logo';

/** Sign in with username and password; the server sets the session cookie. */
export function SignInPage({
  notice,
  onSignedIn,
}: {
  notice: string | null;
  onSignedIn(operator: OperatorView): void;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const userId = useId();
  const passwordId = useId();

  useEffect(() => {
    setPageTitle('Sign in · Parley');
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    if (!username.trim() || !password) {
      setError('Enter your username and password.');
      return;
    }
    setBusy(true);
    setError(null);
    const result = await api.login(username, password);
    setBusy(false);
    if (result.ok) {
      onSignedIn(result.data);
      return;
    }
    setError(result.status === 400 ? 'Enter your username and password.' : result.message);
  };

  return (
    <main className="signin">
      <div className="signin__card">
        <div className="signin__brand">
          <Logo size={36} />
          <div>
            <h1 className="signin__title">Sign in to Parley</h1>
            <p className="muted">Help-desk chat for your managed computers</p>
          </div>
        </div>
        {notice && (
          <p className="notice notice--neutral" role="status">
            {notice}
          </p>
        )}
        <form className="form" onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor={userId}>Username</label>
            <input
              id={userId}
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={passwordId}>Password</label>
            <input
              id={passwordId}
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </div>
          {error && (
            <p className="form-error sentence" role="alert">
              {error}
            </p>
          )}
          <button
            type="submit"
            className="button button--primary button--block"
            aria-busy={busy || undefined}
          >
            <LogIn size={16} aria-hidden="true" />
            <span>{busy ? 'Signing in…' : 'Sign in'}</span>
          </button>
        </form>
      </div>
    </main>
  );
}
