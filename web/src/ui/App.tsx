import { useEffect, useState } from 'preact/hooks';
import type { Client } from '../client';
import { describe } from '../state/reconnect';
import { Auth } from './Auth';
import { ChatView } from './ChatView';
import { ConversationList } from './ConversationList';
import { ClientContext, useClient } from './hooks';
import { People } from './People';
import { SearchPanel } from './SearchPanel';
import { SettingsDialog } from './SettingsDialog';
import { Icon } from './icons';
import { Avatar } from './widgets';
import { applyTheme, savedTheme, type Theme } from './theme';

export function App({ client }: { client: Client }) {
  return (
    <ClientContext.Provider value={client}>
      <Root />
    </ClientContext.Provider>
  );
}

function Root() {
  const [client, state] = useClient();
  if (!state.session) return <Auth reason={state.conn.phase === 'signed_out' ? state.conn.reason : undefined} />;
  return <Shell key={client.me} />;
}

function ConnectionBanner() {
  const [client, state] = useClient();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (state.conn.phase !== 'waiting') return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [state.conn.phase]);
  const online = state.conn.phase === 'online';
  return (
    <div class={`conn conn-${state.conn.phase}`} role="status" aria-live="polite" data-testid="connection" data-phase={state.conn.phase}>
      <span class="conn-dot" aria-hidden="true" />
      <span>{describe(state.conn, now, state.retryAt)}</span>
      {state.conn.phase === 'waiting' && (
        <button class="link" onClick={() => client.retryNow()}>
          Retry now
        </button>
      )}
      {online && null}
    </div>
  );
}

function Toast() {
  const [, state] = useClient();
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    if (!state.toast) return;
    setVisible(true);
    const t = setTimeout(() => setVisible(false), 4000);
    return () => clearTimeout(t);
  }, [state.toast?.at]);
  if (!visible || !state.toast) return null;
  return (
    <div class="toast" role="alert">
      {state.toast.text}
    </div>
  );
}

type Tab = 'chats' | 'people' | 'search';

function Shell() {
  const [client, state] = useClient();
  const [tab, setTab] = useState<Tab>('chats');
  const [theme, setTheme] = useState<Theme>(savedTheme());
  const [menu, setMenu] = useState(false);
  const [settings, setSettings] = useState(false);
  const me = state.session!.user;
  const requests = state.incoming.length;
  const cycleTheme = () => {
    const next: Theme = theme === 'system' ? 'dark' : theme === 'dark' ? 'light' : 'system';
    applyTheme(next);
    setTheme(next);
  };
  const canNotify = typeof Notification !== 'undefined' && Notification.permission === 'default';
  const tabs: { id: Tab; label: string; badge?: number }[] = [
    { id: 'chats', label: 'Chats' },
    { id: 'people', label: 'People', badge: requests },
    { id: 'search', label: 'Search' },
  ];
  const onTabKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === tab);
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
      setTab(next.id);
      (document.getElementById(`tab-${next.id}`) as HTMLElement | null)?.focus();
    }
  };
  return (
    <div class={`shell ${state.openId ? 'has-open' : ''}`}>
      <aside class="sidebar" aria-label="Conversations and people">
        <header class="side-head">
          <Avatar id={me.user_id!} name={me.display_name || me.user_id!} />
          <div class="me">
            <strong>{me.display_name || me.user_id}</strong>
            <small>@{me.user_id}</small>
          </div>
          <button class="icon" aria-label={`Theme: ${theme}. Change theme`} title={`Theme: ${theme}`} onClick={cycleTheme}>
            {theme === 'dark' ? <Icon.moon /> : theme === 'light' ? <Icon.sun /> : <Icon.auto />}
          </button>
          <div class="menu-wrap">
            <button class="icon" aria-label="Account menu" aria-haspopup="menu" aria-expanded={menu} onClick={() => setMenu(!menu)}>
              <Icon.more />
            </button>
            {menu && (
              <div class="menu" role="menu" onKeyDown={(e) => e.key === 'Escape' && setMenu(false)}>
                {canNotify && (
                  <button role="menuitem" onClick={() => { void Notification.requestPermission(); setMenu(false); }}>
                    Enable notifications
                  </button>
                )}
                <button role="menuitem" onClick={() => { setMenu(false); setSettings(true); }}>
                  Privacy and devices
                </button>
                <button role="menuitem" onClick={() => { setMenu(false); void client.signOut(); }}>
                  Sign out
                </button>
              </div>
            )}
          </div>
        </header>
        <ConnectionBanner />
        <div class="tabs" role="tablist" aria-label="Sections" onKeyDown={onTabKey}>
          {tabs.map((t) => (
            <button
              id={`tab-${t.id}`}
              role="tab"
              aria-selected={tab === t.id}
              aria-controls={`panel-${t.id}`}
              tabIndex={tab === t.id ? 0 : -1}
              onClick={() => setTab(t.id)}
            >
              {t.label}
              {!!t.badge && <span class="badge" aria-label={`${t.badge} pending`}>{t.badge}</span>}
            </button>
          ))}
        </div>
        <div class="tab-panel" id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`}>
          {tab === 'chats' && <ConversationList />}
          {tab === 'people' && <People />}
          {tab === 'search' && <SearchPanel />}
        </div>
      </aside>
      <main class="main">
        {state.openId ? (
          <ChatView key={state.openId} id={state.openId} />
        ) : (
          <div class="empty-main">
            <div class="empty-card">
              <h1>Parley</h1>
              <p>Pick a conversation, or find people in the People tab.</p>
            </div>
          </div>
        )}
      </main>
      <Toast />
      {settings && <SettingsDialog onClose={() => setSettings(false)} />}
    </div>
  );
}
