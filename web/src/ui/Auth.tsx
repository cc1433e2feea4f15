import { useState } from 'preact/hooks';
import { useClient } from './hooks';

export function Auth({ reason }: { reason?: string }) {
  const [client] = useClient();
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [userId, setUserId] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(reason ?? '');
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await client.signIn({ mode, user_id: userId.trim(), password, display_name: name.trim() });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="auth">
      <form class="auth-card" onSubmit={submit} aria-labelledby="auth-title">
        <svg class="brand" viewBox="0 0 64 64" width="48" height="48" aria-hidden="true">
          <rect width="64" height="64" rx="14" fill="var(--accent)" />
          <path d="M16 20h32a4 4 0 0 1 4 4v14a4 4 0 0 1-4 4H30l-9 7v-7h-5a4 4 0 0 1-4-4V24a4 4 0 0 1 4-4z" fill="#fff" />
        </svg>
        <h1 id="auth-title">{mode === 'login' ? 'Sign in to Parley' : 'Create your account'}</h1>
        <label>
          User id
          <input
            name="user_id"
            autocomplete="username"
            required
            pattern="[A-Za-z0-9_.\-]{1,64}"
            title="1-64 letters, digits, _ . -"
            value={userId}
            onInput={(e) => setUserId(e.currentTarget.value)}
          />
        </label>
        {mode === 'register' && (
          <label>
            Display name
            <input name="display_name" autocomplete="name" maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
        )}
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            minLength={8}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="primary" type="submit" disabled={busy}>
          {busy ? 'Please wait…' : mode === 'login' ? 'Sign in' : 'Create account'}
        </button>
        <p class="switch">
          {mode === 'login' ? 'New here?' : 'Have an account?'}{' '}
          <button type="button" class="link" onClick={() => { setMode(mode === 'login' ? 'register' : 'login'); setError(''); }}>
            {mode === 'login' ? 'Create an account' : 'Sign in'}
          </button>
        </p>
      </form>
    </div>
  );
}
