import { LogIn } from 'lucide-react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiProblem } from '../api/http';
import type { ScreenProps } from '../app/routes';
import { setPageTitle } from '../chat/tabBadge';
import { Button } from '../kit/Button';
import { Field, FormError } from '../kit/Field';
import { Logo } from '../kit/Logo';
import './auth.css';
import { useSession, useSignIn } from './session';

/** Sign in with username and password; the server sets the session cookie, and the console shows. */
export function SignInPage(_: ScreenProps<'/sign-in'>) {
  const session = useSession();
  const notice = session.data?.notice ?? session.error?.message ?? null;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<{ username: boolean; password: boolean }>({
    username: false,
    password: false,
  });
  const signIn = useSignIn();
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setPageTitle('Sign in · Parley');
  }, []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (signIn.isPending) return;
    const empty = { username: !username.trim(), password: !password };
    setMissing(empty);
    if (empty.username || empty.password) {
      signIn.reset();
      (empty.username ? usernameRef : passwordRef).current?.focus();
      return;
    }
    signIn.mutate({ username, password });
  };
  const error = signIn.error
    ? signIn.error instanceof ApiProblem && signIn.error.status === 400
      ? 'Enter your username and password.'
      : signIn.error.message
    : null;
  const busy = signIn.isPending;

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
          <Field
            ref={usernameRef}
            label="Username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={username}
            error={missing.username ? 'Enter your username.' : null}
            onChange={(event) => setUsername(event.target.value)}
          />
          <Field
            ref={passwordRef}
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            error={missing.password ? 'Enter your password.' : null}
            onChange={(event) => setPassword(event.target.value)}
          />
          {error && <FormError>{error}</FormError>}
          <Button type="submit" variant="primary" block busy={busy} icon={LogIn}>
            {busy ? 'Signing in…' : 'Sign in'}
          </Button>
        </form>
      </div>
    </main>
  );
}
