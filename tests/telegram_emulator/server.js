// Telegram Bot API emulator for the tests: telegram-test-api 4.2.1, made to satisfy
// python-telegram-bot 22. Usage: node server.js [--port N] [--exit-with-stdin]
// (or PORT=N; 0, the default, picks a free port). It prints "listening on 127.0.0.1:PORT".
//
// Routes added for the tests (client side):
//   POST /sendRawUpdate {botToken, update}    queue any update; answers it with update_id set
//   POST /botMessages {token, chatId, timeout} the bot's unread messages to a chat, as Message
//                                              objects, waiting up to `timeout` seconds for one
//   GET /calls[?method=M], DELETE /calls       every Bot API call the bot made but getUpdates
// The library's own /sendMessage, /sendCommand, /sendCallback, /getUpdatesHistory stay.

const axios = require('axios');
const TelegramServer = require('telegram-test-api');
const { routes } = require('telegram-test-api/lib/routes');

const HOST = '127.0.0.1';
// Telegram keeps unconfirmed updates for 24 hours; the library's default is 60 seconds.
const STORE_SECONDS = 24 * 60 * 60;
// Parameters that python-telegram-bot sends as JSON text inside a form.
const JSON_FIELDS = new Set([
  'reply_markup', 'entities', 'caption_entities', 'commands', 'scope', 'link_preview_options',
  'reply_parameters', 'allowed_updates', 'media', 'menu_button',
]);
const ID_FIELDS = new Set(['chat_id', 'message_id']);
const TRUE_METHODS = [
  'sendChatAction', 'answerCallbackQuery', 'close', 'logOut', 'setChatMenuButton',
  'setMyDescription', 'setMyShortDescription', 'setMyName',
];

function portFromArgs() {
  const i = process.argv.indexOf('--port');
  return Number(i > 0 ? process.argv[i + 1] : process.env.PORT || 0);
}

function decodeBody(body) {
  const decoded = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string') decoded[key] = value;
    else if (JSON_FIELDS.has(key)) decoded[key] = JSON.parse(value);
    else if (ID_FIELDS.has(key) && /^-?\d+$/.test(value)) decoded[key] = Number(value);
    else decoded[key] = value;
  }
  return decoded;
}

function botUser(token) {
  const id = Number(String(token).split(':')[0]) || 666;
  return { id, is_bot: true, first_name: 'Test Bot', username: 'test_bot' };
}

function formatUpdate(stored) {
  const { updateId: update_id, messageId: message_id } = stored;
  if ('raw' in stored) {
    const update = { ...stored.raw, update_id };
    if (update.message) update.message = { message_id, ...update.message };
    return update;
  }
  if ('callbackQuery' in stored) {
    const { botToken, date, ...query } = stored.callbackQuery;
    const chatInstance = String(query.message?.chat?.id ?? query.from.id);
    return {
      update_id,
      callback_query: { chat_instance: chatInstance, ...query, id: String(stored.callbackId) },
    };
  }
  const { botToken, ...message } = stored.message;
  return { update_id, message: { ...message, message_id } };
}

class Emulator extends TelegramServer {
  constructor(config) {
    super(config);
    this.calls = [];
    this.commands = new Map();
    this.setMaxListeners(0); // one listener per waiting long poll
  }

  // Telegram's semantics: an update stays pending until a later call asks for a higher offset.
  getUpdates(token, offset = 0, limit = 100) {
    const pending = this.storage.userMessages.filter((u) => u.botToken === token && !u.isRead);
    pending.filter((u) => u.updateId < offset).forEach((u) => { u.isRead = true; });
    return pending.filter((u) => u.updateId >= offset).slice(0, limit).map(formatUpdate);
  }

  dropPendingUpdates(token) {
    this.getUpdates(token, Infinity);
  }

  async addUserUpdate(update) {
    update.updateId = this.updateId++; // the library counts after the webhook's await, racing
    const webhook = this.webhooks[update.botToken];
    if (!webhook) {
      this.storage.userMessages.push(update);
      this.emit('userUpdate');
      return;
    }
    const headers = {};
    if (webhook.secret_token) headers['X-Telegram-Bot-Api-Secret-Token'] = webhook.secret_token;
    await axios.post(webhook.url, formatUpdate(update), { headers });
  }

  async addRawUpdate(botToken, raw) {
    const stored = { ...this.getCommonFields(botToken), raw };
    await this.addUserUpdate(stored);
    this.messageId++;
    return formatUpdate(stored);
  }

  addBotMessage(body, botToken) {
    const { chat_id: chatId, ...fields } = body;
    const message = {
      ...fields,
      message_id: this.messageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: 'private' },
      from: botUser(botToken),
    };
    this.storage.botMessages.push({
      time: Date.now(),
      botToken,
      message: { ...message, chat_id: chatId }, // the library finds messages by chat_id
      updateId: this.updateId++,
      messageId: message.message_id,
      isRead: false,
    });
    this.emit('AddedBotMessage');
    return message;
  }

  takeBotMessages(token, chatId) {
    const unread = this.storage.botMessages.filter((u) => (
      u.botToken === token && String(u.message.chat_id) === String(chatId) && !u.isRead));
    return unread.map((u) => {
      u.isRead = true;
      const { chat_id: _, ...message } = u.message;
      return message;
    });
  }
}

// Answers `take()` once it gives something, or after `seconds`; gives up if the client hangs up.
async function longPoll(emitter, event, res, seconds, take) {
  const deadline = Date.now() + 1000 * (Number(seconds) || 0);
  let hungUp = false;
  let wake = () => {};
  res.on('close', () => { hungUp = true; wake(); });
  for (;;) {
    const result = take();
    if (result.length || Date.now() >= deadline) {
      res.json({ ok: true, result });
      return;
    }
    await new Promise((resolve) => {
      const timer = setTimeout(() => wake(), deadline - Date.now());
      wake = () => {
        clearTimeout(timer);
        emitter.off(event, wake);
        resolve();
      };
      emitter.on(event, wake);
    });
    if (hungUp) return;
  }
}

function addRoutes(app, server) {
  const ok = (res, result) => res.json({ ok: true, result });
  const badRequest = (res, description) => res.status(400).json(
    { ok: false, error_code: 400, description: `Bad Request: ${description}` },
  );
  // The library does not await these, so a failed send (a command without entities, a webhook
  // that refuses) would crash node with an unhandled rejection instead of answering.
  const sends = {
    '/sendMessage': 'addUserMessage',
    '/sendCommand': 'addUserCommand',
    '/sendCallback': 'addUserCallback',
  };
  for (const [path, add] of Object.entries(sends)) {
    app.post(path, (req, res) => {
      res.sendResult(server[add](req.body).then(() => ({ ok: true, result: null })));
    });
  }
  app.post('/sendRawUpdate', (req, res) => {
    res.sendResult(server.addRawUpdate(req.body.botToken, req.body.update)
      .then((update) => ({ ok: true, result: update })));
  });
  app.post('/botMessages', (req, res) => {
    const { token, chatId, timeout } = req.body;
    longPoll(server, 'AddedBotMessage', res, timeout, () => server.takeBotMessages(token, chatId));
  });
  app.get('/calls', (req, res) => {
    ok(res, server.calls.filter((c) => !req.query.method || c.method === req.query.method));
  });
  app.delete('/calls', (req, res) => {
    server.calls = [];
    ok(res, true);
  });

  app.all('/bot:token/:method', (req, res, next) => {
    req.body = decodeBody({ ...req.query, ...req.body });
    const { method } = req.params;
    if (method !== 'getUpdates') {
      server.calls.push({ method, chat_id: req.body.chat_id ?? null, body: req.body });
    }
    next();
  });
  const bot = (method, handler) => app.all(
    `/bot:token/${method}`, (req, res) => handler(req.body, res, req.params.token));

  bot('getMe', (body, res, token) => ok(res, {
    ...botUser(token),
    can_join_groups: false,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  }));
  bot('getUpdates', (body, res, token) => {
    const [offset, limit] = [Number(body.offset) || 0, Number(body.limit) || 100];
    const take = () => server.getUpdates(token, offset, limit);
    longPoll(server, 'userUpdate', res, body.timeout, take);
  });
  bot('sendMessage', (body, res, token) => {
    const message = server.addBotMessage(body, token);
    // python-telegram-bot reads a Message's reply_markup as an inline keyboard only.
    const inline = message.reply_markup && 'inline_keyboard' in message.reply_markup;
    ok(res, { ...message, reply_markup: inline ? message.reply_markup : undefined });
  });
  bot('setWebhook', (body, res, token) => {
    if (!body.url) return badRequest(res, 'url is empty');
    server.setWebhook(body, token);
    if (String(body.drop_pending_updates) === 'true') server.dropPendingUpdates(token);
    return ok(res, true);
  });
  bot('deleteWebhook', (body, res, token) => {
    server.deleteWebhook(token);
    if (String(body.drop_pending_updates) === 'true') server.dropPendingUpdates(token);
    ok(res, true);
  });
  bot('getWebhookInfo', (body, res, token) => {
    const url = server.webhooks[token]?.url ?? '';
    const pending = server.getUpdates(token).length;
    ok(res, { url, has_custom_certificate: false, pending_update_count: pending });
  });
  const commandsKey = (body) => JSON.stringify(
    [body.scope ?? { type: 'default' }, body.language_code ?? ''],
  );
  bot('setMyCommands', (body, res) => {
    server.commands.set(commandsKey(body), body.commands);
    ok(res, true);
  });
  bot('getMyCommands', (body, res) => ok(res, server.commands.get(commandsKey(body)) ?? []));
  bot('deleteMyCommands', (body, res) => {
    server.commands.delete(commandsKey(body));
    ok(res, true);
  });
  // Edits change the stored message (seen by a client that has not read it yet) and answer
  // true, as Telegram does for inline messages.
  bot('editMessageText', (body, res) => {
    server.editMessageText(body);
    ok(res, true);
  });
  bot('editMessageReplyMarkup', (body, res) => {
    server.editMessageReplyMarkup(body);
    ok(res, true);
  });
  bot('deleteMessage', (body, res) => (server.deleteMessage(body.chat_id, body.message_id)
    ? ok(res, true) : badRequest(res, 'message to delete not found')));
  for (const method of TRUE_METHODS) bot(method, (body, res) => ok(res, true));
  app.all('/bot:token/:method', (req, res) => (
    badRequest(res, `method ${req.params.method} is not emulated by tests/telegram_emulator`)));
}

async function main() {
  // The library registers these in its constructor, in order: ours go first and win.
  routes.unshift(addRoutes);
  const server = new Emulator({ host: HOST, storeTimeout: STORE_SECONDS });
  server.config.port = portFromArgs(); // normalizeConfig turns 0 into 9000
  await server.start();
  console.log(`listening on ${HOST}:${server.server.address().port}`);
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.argv.includes('--exit-with-stdin')) process.stdin.on('end', stop).resume();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
