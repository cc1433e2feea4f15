// End to end: three people in three browsers against a real parleyd. Register, become friends, chat with
// typing indicators and read receipts, react, edit and revoke, a group of three, search, history paging,
// and reconnecting after the server restarts. Screenshots of the main screens go to web/test-results/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { newBrowser, pageProblems, resultsDir, Server, stopAll } from './support';

const T = 15_000; // per wait: generous for a shared 2-core machine, never a fixed sleep

let server: Server;
const contexts: BrowserContext[] = [];
let alice: Page, bob: Page, carol: Page;

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(resultsDir, `${name}.png`) });
}

async function register(page: Page, user: string, name: string) {
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('User id').fill(user);
  await page.getByLabel('Display name').fill(name);
  await page.getByLabel('Password').fill(`${user}-password`);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('tab', { name: /Chats/ }).waitFor({ timeout: T });
}

function conversation(page: Page, title: string) {
  return page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: new RegExp(`^${title}`) });
}

function messages(page: Page) {
  return page.getByRole('log', { name: 'Messages' });
}

async function send(page: Page, text: string) {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

async function messageMenu(page: Page, text: string) {
  const msg = messages(page).getByTestId('message').filter({ hasText: text }).last();
  await msg.hover();
  await msg.getByRole('button', { name: 'Message actions' }).click();
  return page.getByRole('menu');
}

beforeAll(async () => {
  mkdirSync(resultsDir, { recursive: true });
  server = new Server();
  await server.start();
  for (const name of ['alice', 'bob', 'carol']) contexts.push((await newBrowser(name)).context);
  [alice, bob, carol] = contexts.map((c) => c.pages()[0]);
});

afterAll(async () => {
  await stopAll(contexts, [server]);
});

describe('Parley in the browser', () => {
  it('serves the app and registers three users', async () => {
    await alice.goto(server.url);
    await alice.getByRole('heading', { name: 'Sign in to Parley' }).waitFor({ timeout: T });
    await shot(alice, '01-sign-in');
    await register(alice, 'alice', 'Alice Liddell');
    await register(bob, 'bob', 'Bob Builder');
    await register(carol, 'carol', 'Carol Danvers');
    await alice.getByRole('complementary').getByText('Alice Liddell').waitFor({ timeout: T });
  });

  it('alice and bob become friends', async () => {
    await alice.getByRole('tab', { name: /People/ }).click();
    await alice.getByLabel('Find people').fill('bob');
    await alice.getByLabel('Find people').press('Enter');
    await alice.locator('[data-user="bob"]').getByRole('button', { name: 'Add friend' }).click();
    await alice.getByText('Sent requests').waitFor({ timeout: T });

    // bob sees the request arrive live: the People tab shows a badge.
    await bob.getByRole('tab', { name: /People.*1/ }).waitFor({ timeout: T });
    await bob.getByRole('tab', { name: /People/ }).click();
    await bob.locator('[data-request="alice"]').getByRole('button', { name: 'Accept' }).click();
    await bob.locator('[data-friend="alice"]').waitFor({ timeout: T });
    await alice.locator('[data-friend="bob"]').waitFor({ timeout: T });
    await shot(alice, '02-people');
  });

  it('they chat: unread badge, typing, read receipts', async () => {
    await alice.locator('[data-friend="bob"]').getByRole('button', { name: 'Message' }).click();
    await send(alice, 'Hello Bob, lunch at noon?');
    const mine = messages(alice).getByTestId('message').filter({ hasText: 'Hello Bob' });
    await mine.getByTestId('msg-status').and(alice.locator('[data-status="Sent"], [data-status="Delivered"]')).waitFor({ timeout: T });

    await bob.getByRole('tab', { name: /Chats/ }).click();
    const inList = conversation(bob, 'Alice Liddell');
    await inList.getByTestId('unread-badge').filter({ hasText: '1' }).waitFor({ timeout: T });
    await bob.waitForFunction(() => document.title === '(1) Parley', null, { timeout: T });
    await shot(bob, '03-conversation-list');
    await inList.click();
    await messages(bob).getByText('Hello Bob, lunch at noon?').waitFor({ timeout: T });
    await bob.waitForFunction(() => document.title === 'Parley', null, { timeout: T });

    // bob read it: alice's message shows "Read".
    await mine.locator('[data-status="Read"]').waitFor({ timeout: T });

    // bob types: alice sees the indicator; bob sends, the indicator goes.
    await bob.getByLabel('Message', { exact: true }).pressSequentially('Sure, where');
    await alice.getByTestId('typing-indicator').waitFor({ timeout: T });
    await bob.getByLabel('Message', { exact: true }).fill('Sure! The usual place.');
    await bob.getByLabel('Message', { exact: true }).press('Enter');
    await messages(alice).getByText('Sure! The usual place.').waitFor({ timeout: T });
    await alice.getByTestId('typing-indicator').waitFor({ state: 'detached', timeout: T });
    await shot(alice, '04-chat');
  });

  it('reactions, reply, edit and revoke reach the other side', async () => {
    // bob reacts to alice's message
    const menu = await messageMenu(bob, 'Hello Bob');
    await menu.getByRole('menuitem', { name: 'React 👍' }).click();
    const reaction = messages(alice).getByTestId('message').filter({ hasText: 'Hello Bob' }).getByTestId('reaction');
    await reaction.filter({ hasText: '👍 1' }).waitFor({ timeout: T });

    // alice replies to bob's message with a quote
    await (await messageMenu(alice, 'The usual place')).getByRole('menuitem', { name: 'Reply' }).click();
    await send(alice, 'Perfect, see you there');
    const reply = messages(bob).getByTestId('message').filter({ hasText: 'Perfect, see you there' });
    await reply.getByRole('button', { name: /Reply to Bob Builder/ }).waitFor({ timeout: T });

    // alice edits her first message
    await (await messageMenu(alice, 'Hello Bob')).getByRole('menuitem', { name: 'Edit' }).click();
    const box = alice.getByLabel('Message', { exact: true });
    await box.fill('Hello Bob, lunch at 12:30?');
    await box.press('Enter');
    const edited = messages(bob).getByTestId('message').filter({ hasText: 'Hello Bob, lunch at 12:30?' });
    await edited.getByText('edited').waitFor({ timeout: T });
    // the reaction survived the edit
    await edited.getByTestId('reaction').filter({ hasText: '👍 1' }).waitFor({ timeout: T });

    // alice sends a mistake and unsends it
    await send(alice, 'oops, wrong chat');
    await messages(bob).getByText('oops, wrong chat').waitFor({ timeout: T });
    await (await messageMenu(alice, 'oops, wrong chat')).getByRole('menuitem', { name: 'Unsend' }).click();
    await messages(bob).getByText('This message was unsent').waitFor({ timeout: T });
    await expect(messages(bob).getByText('oops, wrong chat').count()).resolves.toBe(0);
    await shot(bob, '05-chat-operations');
  });

  it('a group of three with a mention', async () => {
    await alice.getByRole('tab', { name: /Chats/ }).click();
    await alice.getByRole('button', { name: '+ New group' }).click();
    const dialog = alice.getByRole('dialog', { name: 'New group' });
    await dialog.getByLabel('Group name').fill('Lunch crew');
    await dialog.getByRole('checkbox', { name: 'Bob Builder' }).check();
    await dialog.getByLabel(/Other user ids/).fill('carol');
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await alice.getByRole('heading', { name: 'Lunch crew' }).waitFor({ timeout: T });

    for (const p of [bob, carol]) {
      await p.getByRole('tab', { name: /Chats/ }).click();
      await conversation(p, 'Lunch crew').waitFor({ timeout: T });
    }
    await conversation(carol, 'Lunch crew').click();
    await messages(carol).getByText(/created the group/).waitFor({ timeout: T });

    // alice mentions carol through the autocomplete
    const box = alice.getByLabel('Message', { exact: true });
    await box.pressSequentially('Welcome @car');
    await alice.getByRole('option', { name: /Carol Danvers/ }).click();
    await box.pressSequentially('!');
    await box.press('Enter');
    await messages(carol).locator('.mention', { hasText: '@Carol Danvers' }).waitFor({ timeout: T });
    // bob, not looking at the group, sees it unread
    await conversation(bob, 'Lunch crew').getByTestId('unread-badge').waitFor({ timeout: T });

    await send(carol, 'Thanks! Happy to be here');
    await messages(alice).getByText('Thanks! Happy to be here').waitFor({ timeout: T });
    // carol's reply moved her read cursor past alice's message: "Read by" lists her
    await (await messageMenu(alice, 'Welcome')).getByRole('menuitem', { name: 'Read by…' }).click();
    const readBy = alice.getByRole('dialog', { name: 'Read by' });
    await readBy.getByText('Carol Danvers').waitFor({ timeout: T });
    await readBy.getByRole('button', { name: 'Close' }).click();

    // bob forwards alice's lunch message into the group
    await bob.getByRole('tab', { name: /Chats/ }).click();
    await conversation(bob, 'Alice Liddell').click();
    await (await messageMenu(bob, 'lunch at 12:30')).getByRole('menuitem', { name: 'Forward' }).click();
    await bob.getByRole('dialog', { name: 'Forward to…' }).getByRole('button', { name: 'Lunch crew' }).click();
    const forwarded = messages(carol).getByTestId('message').filter({ hasText: 'Hello Bob, lunch at 12:30?' });
    await forwarded.getByText('Forwarded').waitFor({ timeout: T });

    // the members panel shows the roles
    await alice.getByRole('button', { name: 'Group info' }).click();
    const members = alice.getByRole('list', { name: 'Members' });
    await members.locator('[data-member="alice"]').getByText('Owner', { exact: true }).waitFor({ timeout: T });
    await members.locator('[data-member="carol"]').waitFor({ timeout: T });
    await members.locator('[data-member="bob"]').getByRole('button', { name: 'Make admin' }).click();
    await members.locator('[data-member="bob"]').getByText('Admin', { exact: true }).waitFor({ timeout: T });
    await shot(alice, '06-group');
    await alice.getByRole('button', { name: 'Close group info' }).click();
  });

  it('group settings, the group directory and join requests', async () => {
    await alice.getByRole('tab', { name: /Chats/ }).click();
    await conversation(alice, 'Lunch crew').click();
    await alice.getByRole('button', { name: 'Group info' }).click();
    await alice.getByRole('tab', { name: 'Settings' }).click();
    await alice.getByLabel('Who can join').selectOption('APPROVAL');
    await alice.getByLabel('Announcement').fill('Fridays at noon');
    await alice.getByRole('button', { name: 'Save' }).click();
    await alice.getByRole('note').getByText('Fridays at noon').waitFor({ timeout: T });

    const dave = (await newBrowser('dave')).context;
    contexts.push(dave);
    const davePage = dave.pages()[0];
    await register(davePage, 'dave', 'Dave Grohl');
    await davePage.getByRole('tab', { name: /People/ }).click();
    await davePage.getByRole('textbox', { name: 'Find groups' }).fill('lunch');
    await davePage.getByRole('textbox', { name: 'Find groups' }).press('Enter');
    await davePage.getByRole('button', { name: 'Ask to join' }).click();

    await alice.getByRole('tab', { name: /Requests \(1\)/ }).click({ timeout: T });
    await alice.getByRole('button', { name: 'Accept' }).click();
    await alice.getByText('No pending requests.').waitFor({ timeout: T });
    await davePage.getByRole('tab', { name: /Chats/ }).click();
    await conversation(davePage, 'Lunch crew').click();
    await messages(davePage).getByText(/added you/).waitFor({ timeout: T });
    await alice.getByRole('button', { name: 'Close group info' }).click();
    await dave.close();
  });

  it('search finds messages across conversations and opens them in context', async () => {
    await bob.getByRole('tab', { name: /Search/ }).click();
    await bob.getByLabel('Search messages').fill('usual');
    await bob.getByLabel('Search messages').press('Enter');
    const hit = bob.getByTestId('search-hit').first();
    await hit.locator('mark', { hasText: 'usual' }).waitFor({ timeout: T });
    await shot(bob, '07-search');
    await hit.click();
    await bob.locator('.msg.focused', { hasText: 'The usual place' }).waitFor({ timeout: T });
  });

  it('pages through long history when scrolling up', async () => {
    // bob fills a direct chat with carol from another connection of his session: 130 messages.
    await bob.evaluate(async () => {
      const session = JSON.parse(localStorage.getItem('parley.session')!);
      const ws = new WebSocket(`ws://${location.host}/v1/ws`);
      await new Promise((r) => (ws.onopen = r));
      let next = 1;
      const pending = new Map<string, (v: unknown) => void>();
      ws.onmessage = (e) => {
        const f = JSON.parse(e.data);
        pending.get(f.req_id)?.(f);
      };
      const call = (body: object) =>
        new Promise((resolve) => {
          const id = String(next++);
          pending.set(id, resolve);
          ws.send(JSON.stringify({ req_id: id, ...body }));
        });
      await call({ authenticate: { token: session.token } });
      const acks = [];
      for (let i = 1; i <= 130; i++) {
        acks.push(call({ send_message: { conversation_id: 'd:bob:carol', client_msg_id: `seed-${i}`, text: `history ${i}` } }));
      }
      await Promise.all(acks);
      ws.close();
    });
    await bob.getByRole('tab', { name: /Chats/ }).click();
    await conversation(bob, 'Carol Danvers').click();
    const log = messages(bob);
    await log.getByText('history 130', { exact: true }).waitFor({ timeout: T });
    await expect(log.getByText('history 1', { exact: true }).count()).resolves.toBe(0);
    // scroll to the top until the first message shows
    for (let i = 0; i < 10 && (await log.getByText('history 1', { exact: true }).count()) === 0; i++) {
      const before = await log.getByTestId('message').count();
      await log.evaluate((el) => (el.scrollTop = 0));
      await bob.waitForFunction(
        (n) => document.querySelectorAll('[role=log] [data-testid=message]').length > n || !document.querySelector('.loading-older'),
        before,
        { timeout: T },
      );
    }
    await log.getByText('history 1', { exact: true }).waitFor({ timeout: T });
    await log.getByText('Start of the conversation').waitFor({ timeout: T });
    await expect(log.getByText(/^history \d+$/).count()).resolves.toBe(130);
  });

  it('reconnects after the server restarts and resyncs without duplicates', async () => {
    await alice.getByRole('tab', { name: /Chats/ }).click();
    await conversation(alice, 'Bob Builder').click();
    await bob.getByRole('tab', { name: /Chats/ }).click();
    await conversation(bob, 'Alice Liddell').click();
    await messages(bob).getByText('Perfect, see you there').waitFor({ timeout: T });
    const before = await messages(bob).getByTestId('message').count();

    await server.stop();
    for (const p of [alice, bob]) await p.getByTestId('connection').and(p.locator('[data-phase="waiting"]')).waitFor({ timeout: T });
    await shot(alice, '08-offline');
    // written while offline: stays pending, goes out after the reconnect
    await send(alice, 'Sent while the server was down');
    await messages(alice).getByTestId('message').filter({ hasText: 'Sent while the server was down' }).locator('[data-status="Sending"]').waitFor({ timeout: T });

    await server.start();
    for (const p of [alice, bob]) await p.locator('[data-testid="connection"][data-phase="online"]').waitFor({ state: 'attached', timeout: 30_000 });
    await messages(bob).getByText('Sent while the server was down').waitFor({ timeout: T });
    await send(bob, 'Back online');
    await messages(alice).getByText('Back online').waitFor({ timeout: T });
    // nothing shown twice
    await expect(messages(bob).getByTestId('message').count()).resolves.toBe(before + 2);
    await expect(messages(alice).getByText('Sent while the server was down').count()).resolves.toBe(1);

    // delete for me: gone for bob, still there for alice
    await (await messageMenu(bob, 'Back online')).getByRole('menuitem', { name: 'Delete for me' }).click();
    await messages(bob).getByText('Back online').waitFor({ state: 'detached', timeout: T });
    await expect(messages(alice).getByText('Back online').count()).resolves.toBe(1);
  });

  it('keeps an unsent text as a draft', async () => {
    await alice.getByLabel('Message', { exact: true }).fill('half a thought');
    await conversation(alice, 'Lunch crew').click();
    await conversation(alice, 'Bob Builder').getByText('Draft: half a thought').waitFor({ timeout: T });
    await conversation(alice, 'Bob Builder').click();
    await expect(alice.getByLabel('Message', { exact: true }).inputValue()).resolves.toBe('half a thought');
  });

  it('dark theme and phone width', async () => {
    await alice.getByRole('button', { name: /Change theme/ }).click(); // system -> dark
    await shot(alice, '09-chat-dark');
    await bob.setViewportSize({ width: 390, height: 800 });
    await bob.getByRole('button', { name: 'Back to conversations' }).click();
    await conversation(bob, 'Lunch crew').waitFor({ timeout: T });
    await shot(bob, '10-phone-list');
    await conversation(bob, 'Lunch crew').click();
    await bob.getByRole('heading', { name: 'Lunch crew' }).waitFor({ timeout: T });
    await shot(bob, '11-phone-chat');
  });

  it('no page had a script error or a Content-Security-Policy violation', () => {
    expect(pageProblems()).toEqual([]);
  });
});
