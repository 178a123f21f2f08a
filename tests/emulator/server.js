'use strict';
// Loopback Telegram Bot API for Arrival's end-to-end tests.
//
//   node server.js [PORT]      (PORT or env PORT; 0 = a free port)   prints "READY <port>"
//
// telegram-test-api 4.2.1 keeps the storage, the id counters, webhook delivery and the
// client endpoints (/getUpdates, /getUpdatesHistory). Every other answer a
// python-telegram-bot 22 bot gets is made here, in Bot API shape: the package's own answers
// carry dates in milliseconds, a getMe without is_bot, every chat as "private", null results.
//
// Bot messages are recorded as events in the package's storage.botMessages, so the client
// /getUpdates returns them in order: {messageId, kind: "message"|"edit"|"delete", method,
// message: {chat_id, text, plain_text, parse_mode, reply_markup, message_thread_id, ...}}.
//
// Test-only endpoints (JSON bodies):
//   POST /sendMessage | /sendCommand | /sendCallback   as the package's, but answer the ids used
//   POST /e2e/sendUpdate {token, update}                any raw update, delivered by getUpdates
//   POST /e2e/chatMember {chat, user, status}           "member" or "left"; seeds getChatMember
//   POST /e2e/botEvents {token, after, timeout}         every bot event of any chat with an
//        update id above `after`, oldest first, waiting up to `timeout` ms for the first one
//        (long polling: one request serves a load generator's many users; marks nothing read)

const http = require('http');
const express = require('express');
const TelegramServer = require('telegram-test-api');

const HOST = '127.0.0.1';
const PORT = Number(process.argv[2] ?? process.env.PORT ?? 0);
// The package drops stored updates older than storeTimeout seconds (default 60): keep a day.
const STORE_TIMEOUT_S = Number(process.env.STORE_TIMEOUT ?? 86400);

// Port 0 is falsy and would become the package's default 9000; we listen ourselves below.
const tg = new TelegramServer({ host: HOST, port: 1, storeTimeout: STORE_TIMEOUT_S });

const chats = new Map(); // chat id -> Chat seen in a user update
const users = new Map(); // user id -> User seen in a user update
const members = new Map(); // group chat id -> Set of member user ids
const botState = new Map(); // "chat:message" -> current state of a message the bot sent
const commands = new Map(); // token|scope|language -> BotCommand[]

const now = () => Math.floor(Date.now() / 1000);
const key = (chatId, messageId) => `${chatId}:${messageId}`;
const isGroup = (chat) => chat !== undefined && (chat.type === 'group' || chat.type === 'supergroup');

class ApiError extends Error {}
const bad = (description) => new ApiError(`Bad Request: ${description}`);

function botUser(token) {
  const id = Number(String(token).split(':')[0]);
  return { id: Number.isSafeInteger(id) ? id : 666, is_bot: true, first_name: 'Arrival Test Bot', username: 'arrival_test_bot' };
}

// PTB posts form fields with JSON-encoded values; decode the ones this server reads.
const JSON_FIELDS = ['reply_markup', 'entities', 'caption_entities', 'reply_parameters', 'link_preview_options', 'commands', 'scope', 'menu_button'];
const NUMBER_FIELDS = ['chat_id', 'from_chat_id', 'message_id', 'message_thread_id', 'user_id', 'latitude', 'longitude', 'icon_color', 'horizontal_accuracy', 'live_period'];
const BOOL_FIELDS = ['disable_notification', 'protect_content', 'show_alert', 'drop_pending_updates'];

function params(req) {
  const p = { ...req.query, ...req.body };
  for (const k of JSON_FIELDS) {
    if (typeof p[k] !== 'string') continue;
    try { p[k] = JSON.parse(p[k]); } catch { throw bad(`can't parse ${k} JSON object`); }
  }
  for (const k of NUMBER_FIELDS) {
    if (typeof p[k] === 'string' && /^-?\d+(\.\d+)?$/.test(p[k])) p[k] = Number(p[k]);
  }
  for (const k of BOOL_FIELDS) if (typeof p[k] === 'string') p[k] = p[k] === 'true';
  return p;
}

function requireChat(p, field = 'chat_id') {
  if (typeof p[field] !== 'number') throw bad('chat not found');
  return p[field];
}

function chatFor(chatId) {
  return chats.get(chatId)
    ?? (chatId < 0 ? { id: chatId, type: 'supergroup', title: `Chat ${chatId}` } : { id: chatId, type: 'private', first_name: `User ${chatId}` });
}

// Register the chats and users a user update reveals (for chat types and getChatMember).
function remember({ chat, from }) {
  if (!chat?.id) return;
  chats.set(chat.id, chat);
  if (from?.id) {
    users.set(from.id, from);
    if (isGroup(chat)) members.set(chat.id, (members.get(chat.id) ?? new Set()).add(from.id));
  }
}

// Telegram's HTML subset: unsupported or unbalanced tags fail the call, as in production.
const HTML_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'tg-emoji', 'code', 'pre', 'blockquote']);
const HTML_ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"' };

function parseHtml(text) {
  const open = [];
  let plain = '';
  let last = 0;
  for (const m of text.matchAll(/<(\/?)([^\s<>/]*)([^<>]*)>|<|&(#x[0-9a-f]+|#\d+|[a-z]+);/gi)) {
    plain += text.slice(last, m.index);
    last = m.index + m[0].length;
    const at = `at byte offset ${Buffer.byteLength(text.slice(0, m.index))}`;
    if (m[0] === '<') throw bad(`can't parse entities: Unclosed start tag ${at}`);
    if (m[4] !== undefined) {
      const e = m[4].toLowerCase();
      if (e.startsWith('#x')) plain += String.fromCodePoint(parseInt(e.slice(2), 16));
      else if (e.startsWith('#')) plain += String.fromCodePoint(parseInt(e.slice(1), 10));
      else plain += HTML_ENTITIES[e] ?? m[0];
      continue;
    }
    const name = m[2].toLowerCase();
    if (m[1]) {
      if (open.pop() !== name) throw bad(`can't parse entities: Unmatched end tag "${name}" ${at}`);
    } else if (!HTML_TAGS.has(name) || (name === 'span' && !/class\s*=\s*"?tg-spoiler/.test(m[3]))) {
      throw bad(`can't parse entities: Unsupported start tag "${name}" ${at}`);
    } else {
      open.push(name);
    }
  }
  if (open.length) throw bad(`can't parse entities: Can't find end tag corresponding to start tag "${open.at(-1)}"`);
  return plain + text.slice(last);
}

function renderText(text, parseMode) {
  if (typeof text !== 'string') throw bad('message text is empty');
  const plain = String(parseMode).toUpperCase() === 'HTML' ? parseHtml(text) : text;
  if (!plain.trim()) throw bad('message text is empty');
  if (plain.length > 4096) throw bad('message is too long');
  return plain;
}

function checkMarkup(markup) {
  for (const row of markup?.inline_keyboard ?? []) {
    for (const button of row) {
      const data = button.callback_data;
      if (data !== undefined && (Buffer.byteLength(String(data)) < 1 || Buffer.byteLength(String(data)) > 64)) {
        throw bad('BUTTON_DATA_INVALID');
      }
    }
  }
}

const inlineMarkup = (m) => (m?.inline_keyboard ? { inline_keyboard: m.inline_keyboard } : undefined);

// The Bot API Message for a bot message's current state.
function asMessage(st) {
  const m = st.message;
  const out = { message_id: st.messageId, date: st.date, chat: chatFor(st.chatId), from: botUser(st.token) };
  if (m.text !== undefined) out.text = m.plain_text ?? m.text;
  for (const k of ['caption', 'photo', 'voice', 'audio', 'video', 'document', 'sticker', 'location', 'venue', 'contact']) {
    if (m[k] !== undefined) out[k] = m[k];
  }
  if (m.message_thread_id) Object.assign(out, { message_thread_id: m.message_thread_id, is_topic_message: true });
  if (inlineMarkup(m.reply_markup)) out.reply_markup = inlineMarkup(m.reply_markup);
  if (st.editDate) out.edit_date = st.editDate;
  return out;
}

// Append an event to the package's storage, where the client /getUpdates reads it.
function record(token, kind, method, message, messageId) {
  tg.storage.botMessages.push({
    time: Date.now(), botToken: token, updateId: tg.updateId++, messageId, isRead: false, kind, method, message: { ...message },
  });
  wakeEventWaiters(token);
}

// Long polls of /e2e/botEvents waiting for a token's next bot event.
const eventWaiters = new Set();

function wakeEventWaiters(token) {
  for (const waiter of eventWaiters) if (waiter.token === token) waiter.wake();
}

// Bot events of `token` with an update id above `after`. Events are appended in update id
// order (deletions keep it), so a binary search skips the old ones.
function botEventsAfter(token, after) {
  const events = tg.storage.botMessages;
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (events[middle].updateId <= after) low = middle + 1;
    else high = middle;
  }
  return events.slice(low).filter((event) => event.botToken === token);
}

function sendBotMessage(token, method, message) {
  const chatId = message.chat_id;
  const st = { token, chatId, messageId: tg.messageId++, date: now(), message, deleted: false };
  botState.set(key(chatId, st.messageId), st);
  record(token, 'message', method, message, st.messageId);
  return asMessage(st);
}

function editableMessage(p) {
  if (p.inline_message_id) throw bad('inline messages are not emulated');
  const st = botState.get(key(requireChat(p), p.message_id));
  if (!st || st.deleted) throw bad('message to edit not found');
  return st;
}

function applyEdit(st, method, next) {
  const shown = (m) => JSON.stringify([m.text, m.parse_mode, m.caption, inlineMarkup(m.reply_markup)]);
  if (shown(st.message) === shown(next)) {
    throw bad('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
  }
  st.message = next;
  st.editDate = now();
  record(st.token, 'edit', method, next, st.messageId);
  return asMessage(st);
}

// The user message behind a stored user update, as the bot received it.
const userMessageOf = (u) => (u.message ? { ...u.message, message_id: u.messageId } : u.rawUpdate?.message);

function findMessage(token, chatId, messageId) {
  const st = botState.get(key(chatId, messageId));
  if (st && !st.deleted) return { ...st.message, text: st.message.plain_text ?? st.message.text, from: botUser(token) };
  return tg.storage.userMessages
    .filter((u) => u.botToken === token && !u.deleted)
    .map(userMessageOf)
    .find((m) => m && m.chat?.id === chatId && m.message_id === messageId);
}

const COPYABLE = ['text', 'entities', 'caption', 'caption_entities', 'photo', 'voice', 'audio', 'video', 'video_note', 'document', 'sticker', 'animation', 'location', 'venue', 'contact'];

function copyOf(token, p, method) {
  const chatId = requireChat(p);
  const src = findMessage(token, requireChat(p, 'from_chat_id'), p.message_id);
  if (!src) throw bad(`message to ${method === 'copyMessage' ? 'copy' : 'forward'} not found`);
  const content = Object.fromEntries(COPYABLE.filter((k) => src[k] !== undefined).map((k) => [k, src[k]]));
  if (method === 'copyMessage' && p.caption !== undefined) content.caption = p.caption;
  const message = { ...content, chat_id: chatId, from_chat_id: p.from_chat_id, source_message_id: p.message_id };
  if (p.message_thread_id) message.message_thread_id = p.message_thread_id;
  if (p.reply_markup) message.reply_markup = p.reply_markup;
  if (method === 'forwardMessage') message.forward_from = src.from;
  return sendBotMessage(token, method, message);
}

const ADMIN_RIGHTS = {
  can_be_edited: false, is_anonymous: false, can_manage_chat: true, can_delete_messages: true, can_manage_video_chats: true,
  can_restrict_members: true, can_promote_members: false, can_change_info: true, can_invite_users: true, can_post_stories: false,
  can_edit_stories: false, can_delete_stories: false, can_pin_messages: true, can_manage_topics: true,
};

const COMMAND_RE = /^[a-z0-9_]{1,32}$/;
const commandsKey = (token, p) => `${token}|${JSON.stringify(p.scope ?? { type: 'default' })}|${p.language_code ?? ''}`;

const app = express();
app.use(express.json({ limit: '5mb' }));
app.use(express.urlencoded({ extended: true }));

function method(name, handler) {
  app.all(`/bot:token/${name}`, (req, res) => {
    try {
      res.json({ ok: true, result: handler(params(req), req.params.token) });
    } catch (e) {
      if (!(e instanceof ApiError)) console.error(e);
      const code = e instanceof ApiError ? 400 : 500;
      res.status(code).json({ ok: false, error_code: code, description: e.message });
    }
  });
}

method('getMe', (_p, token) => ({
  ...botUser(token), can_join_groups: true, can_read_all_group_messages: true, supports_inline_queries: false,
  can_connect_to_business: false, has_main_web_app: false,
}));

method('sendMessage', (p, token) => {
  const chatId = requireChat(p);
  const plain = renderText(p.text, p.parse_mode);
  checkMarkup(p.reply_markup);
  return sendBotMessage(token, 'sendMessage', { ...p, chat_id: chatId, plain_text: plain });
});

method('editMessageText', (p) => {
  const st = editableMessage(p);
  if (st.message.text === undefined) throw bad('there is no text in the message to edit');
  const plain = renderText(p.text, p.parse_mode);
  checkMarkup(p.reply_markup);
  // Like Telegram, an edit without reply_markup removes the inline keyboard.
  return applyEdit(st, 'editMessageText', {
    ...st.message, text: p.text, plain_text: plain, parse_mode: p.parse_mode, entities: p.entities, reply_markup: p.reply_markup,
  });
});

method('editMessageReplyMarkup', (p) => {
  const st = editableMessage(p);
  checkMarkup(p.reply_markup);
  return applyEdit(st, 'editMessageReplyMarkup', { ...st.message, reply_markup: p.reply_markup });
});

method('deleteMessage', (p, token) => {
  const chatId = requireChat(p);
  const st = botState.get(key(chatId, p.message_id));
  const own = tg.storage.userMessages.find((u) => u.botToken === token && !u.deleted
    && userMessageOf(u)?.chat?.id === chatId && userMessageOf(u)?.message_id === p.message_id);
  if (st && !st.deleted) st.deleted = true;
  else if (own) own.deleted = true;
  else throw bad('message to delete not found');
  record(token, 'delete', 'deleteMessage', { chat_id: chatId, message_id: p.message_id }, p.message_id);
  return true;
});

method('answerCallbackQuery', () => true);

method('setWebhook', (p, token) => {
  if (!p.url) throw bad('bad webhook: an HTTPS URL must be provided for webhook');
  tg.setWebhook({ url: p.url }, token); // the package then POSTs each user update there
  return true;
});

method('deleteWebhook', (p, token) => {
  tg.deleteWebhook(token);
  if (p.drop_pending_updates) {
    for (const u of tg.storage.userMessages) if (u.botToken === token) u.isRead = true;
  }
  return true;
});

for (const name of ['deleteMyCommands', 'setChatMenuButton', 'sendChatAction', 'editForumTopic', 'closeForumTopic', 'reopenForumTopic', 'deleteForumTopic']) {
  method(name, () => true);
}

method('setMyCommands', (p, token) => {
  if (!Array.isArray(p.commands) || p.commands.length > 100) throw bad('commands must be a list of at most 100 BotCommand');
  for (const c of p.commands) {
    if (!COMMAND_RE.test(c.command ?? '')) throw bad('BOT_COMMAND_INVALID');
    if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) {
      throw bad('BOT_COMMAND_DESCRIPTION_INVALID');
    }
  }
  commands.set(commandsKey(token, p), p.commands);
  return true;
});

method('getMyCommands', (p, token) => commands.get(commandsKey(token, p)) ?? []);

method('getWebhookInfo', (_p, token) => ({
  url: tg.webhooks[token]?.url ?? '',
  has_custom_certificate: false,
  pending_update_count: tg.storage.userMessages.filter((u) => u.botToken === token && !u.isRead).length,
}));

method('copyMessage', (p, token) => ({ message_id: copyOf(token, p, 'copyMessage').message_id }));
method('forwardMessage', (p, token) => copyOf(token, p, 'forwardMessage'));

function location(p) {
  if (typeof p.latitude !== 'number' || typeof p.longitude !== 'number') throw bad('wrong latitude or longitude');
  return { latitude: p.latitude, longitude: p.longitude };
}

method('sendLocation', (p, token) => sendBotMessage(token, 'sendLocation', { ...p, chat_id: requireChat(p), location: location(p) }));

method('sendVenue', (p, token) => {
  if (!p.title || !p.address) throw bad('venue title and address are required');
  const venue = { location: location(p), title: p.title, address: p.address };
  return sendBotMessage(token, 'sendVenue', { ...p, chat_id: requireChat(p), venue, location: venue.location });
});

method('getChatMember', (p, token) => {
  const chatId = requireChat(p);
  const bot = botUser(token);
  const chat = chats.get(chatId);
  if (isGroup(chat) && p.user_id === bot.id) return { status: 'administrator', user: bot, ...ADMIN_RIGHTS };
  const user = users.get(p.user_id) ?? { id: p.user_id, is_bot: false, first_name: `User ${p.user_id}` };
  const member = isGroup(chat) ? members.get(chatId)?.has(p.user_id) : chatId === p.user_id;
  return { status: member ? 'member' : 'left', user };
});

method('createForumTopic', (p) => {
  const chat = chats.get(requireChat(p));
  if (chat && !chat.is_forum) throw bad('the chat is not a forum');
  if (typeof p.name !== 'string' || p.name.length < 1 || p.name.length > 128) throw bad('TOPIC_NAME_INVALID');
  // Like Telegram, the thread id is the id of the topic's creation (service) message.
  return { message_thread_id: tg.messageId++, name: p.name, icon_color: p.icon_color ?? 7322096 };
});

// As Telegram: an update is returned again and again until a getUpdates with a higher offset
// confirms it (the package's forgets it at once), so a bot that fetched updates and could not
// store them gets them anew.
method('getUpdates', (p, token) => {
  const offset = Number(p.offset) || 0;
  const limit = Math.min(Math.max(Number(p.limit) || 100, 1), 100);
  const unconfirmed = tg.storage.userMessages.filter((u) => u.botToken === token && !u.isRead);
  for (const u of unconfirmed) if (u.updateId < offset) u.isRead = true;
  return unconfirmed.filter((u) => !u.isRead).slice(0, limit).map((u) => TelegramServer.formatUpdate(u));
});

app.all('/bot:token/:method', (req, res) => {
  return res.status(400).json({
    ok: false, error_code: 400, description: `Bad Request: method ${req.params.method} is not emulated by tests/emulator/server.js`,
  });
});

// Client endpoints: the package's, answering the ids they used (the package answers null and
// crashes the process on a bad body through an unhandled rejection).
function clientRoute(add, ids) {
  return async (req, res) => {
    const result = ids();
    try {
      const body = req.body;
      remember({ chat: body.chat ?? body.message?.chat, from: body.from });
      await add(body);
      res.json({ ok: true, result });
    } catch (e) {
      res.status(400).json({ ok: false, error_code: 400, description: String(e.message ?? e) });
    }
  };
}
const messageIds = () => ({ update_id: tg.updateId, message_id: tg.messageId });
app.post('/sendMessage', clientRoute((b) => tg.addUserMessage(b), messageIds));
app.post('/sendCommand', clientRoute((b) => tg.addUserCommand(b), messageIds));
app.post('/sendCallback', clientRoute((b) => tg.addUserCallback(b), () => ({ update_id: tg.updateId, callback_query_id: String(tg.callbackId) })));

app.post('/e2e/sendUpdate', async (req, res) => {
  const { token, update } = req.body ?? {};
  if (!token || !update || typeof update !== 'object') {
    return res.status(400).json({ ok: false, error_code: 400, description: 'need {token, update}' });
  }
  const raw = { ...update };
  delete raw.update_id;
  if (raw.message) raw.message = { date: now(), message_id: tg.messageId++, ...raw.message };
  for (const v of Object.values(raw)) if (v && typeof v === 'object') remember({ chat: v.chat ?? v.message?.chat, from: v.from });
  const entry = { ...tg.getCommonFields(token), messageId: raw.message?.message_id, rawUpdate: raw };
  await tg.addUserUpdate(entry);
  return res.json({ ok: true, result: { update_id: entry.updateId, message_id: raw.message?.message_id } });
});

app.post('/e2e/botEvents', (req, res) => {
  const { token, after = 0, timeout = 0 } = req.body ?? {};
  if (!token || !Number.isSafeInteger(after) || typeof timeout !== 'number') {
    return res.status(400).json({ ok: false, error_code: 400, description: 'need {token, after, timeout}' });
  }
  const ready = botEventsAfter(token, after);
  if (ready.length || timeout <= 0) return res.json({ ok: true, result: ready });
  let timer;
  const waiter = {
    token,
    wake: () => {
      eventWaiters.delete(waiter);
      clearTimeout(timer);
      // Answer on the next turn, so that events recorded together leave together.
      setImmediate(() => res.json({ ok: true, result: botEventsAfter(token, after) }));
    },
  };
  timer = setTimeout(waiter.wake, Math.min(timeout, 30000));
  eventWaiters.add(waiter);
  res.on('close', () => {
    eventWaiters.delete(waiter);
    clearTimeout(timer);
  });
  return undefined;
});

app.post('/e2e/chatMember', (req, res) => {
  const { chat, user, status } = req.body ?? {};
  if (!chat?.id || !user?.id || !['member', 'left'].includes(status)) {
    return res.status(400).json({ ok: false, error_code: 400, description: 'need {chat, user, status: "member"|"left"}' });
  }
  remember({ chat, from: user });
  if (status === 'left') members.get(chat.id)?.delete(user.id);
  return res.json({ ok: true, result: true });
});

// Updates as the bot gets them: raw ones verbatim; dates in seconds; callback queries carry
// the current state of the bot message they belong to and the chat_instance PTB requires.
const formatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = (update) => {
  if (update.rawUpdate) return { ...update.rawUpdate, update_id: update.updateId };
  const out = formatUpdate(update);
  if (out.message) {
    delete out.message.botToken;
    const date = out.message.date ?? now();
    out.message.date = date > 1e11 ? Math.floor(date / 1000) : date;
  }
  if (out.callback_query) {
    const given = update.callbackQuery.message ?? {};
    const chat = given.chat ?? { id: out.callback_query.from.id, type: 'private' };
    const st = botState.get(key(chat.id, Number(given.message_id)));
    out.callback_query.message = st && !st.deleted ? asMessage(st) : { chat, message_id: Number(given.message_id) || 0, date: 0 };
    out.callback_query.chat_instance = update.callbackQuery.chat_instance ?? String(chat.id);
  }
  return out;
};

app.use(tg.webServer);

const server = http.createServer(app);
server.on('error', (e) => {
  console.error(`emulator: ${e.message}`);
  process.exit(1);
});
server.listen(PORT, HOST, () => {
  const { port } = server.address();
  Object.assign(tg.config, { port, apiURL: `http://${HOST}:${port}` });
  tg.started = true;
  tg.cleanUpDaemon();
  process.stdout.write(`READY ${port}\n`);
});

let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  clearInterval(tg.cleanUpDaemonInterval);
  server.close(() => process.exit(0));
  server.closeAllConnections(); // PTB keeps connections alive; close() alone would wait for them
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The harness sets this and keeps our stdin open, so a killed test run cannot orphan us.
if (process.env.EMULATOR_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', shutdown);
  process.stdin.resume();
}
