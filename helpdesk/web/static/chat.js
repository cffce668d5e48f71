/*
 * DiODo citizen web chat – plain browser client (ES2017, no dependencies).
 *
 * Talks to the JSON API below `data-api-base` on #chat:
 *   POST {base}/sessions                  -> 201 {session_id}
 *   POST {base}/messages                  -> 202 {message_id, duplicate}
 *   GET  {base}/replies?after=C&wait=20   -> 200 {replies: [...], cursor}
 * The session id is the chat's key: it goes in `Authorization: Bearer <id>`, never
 * in a URL. 429 (too many messages or sessions) carries a German `detail`, shown
 * to the user with "Nochmal senden".
 *
 * Security: server text is NEVER assigned to innerHTML. Every node is built
 * with createElement / createTextNode.
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------------------
  // Configuration
  // ---------------------------------------------------------------------------
  var STORE_KEY = 'diodo.webchat.v1';
  var POLL_WAIT_SECONDS = 20;
  var POLL_TIMEOUT_MS = (POLL_WAIT_SECONDS + 15) * 1000; // client-side guard
  var POST_TIMEOUT_MS = 20000;
  var MAX_BACKOFF_MS = 10000;
  var SEND_RETRY_DELAYS_MS = [1000, 2000, 4000]; // 1 try + 3 retries, same id
  var SESSION_ATTEMPTS = 3;
  var TYPING_TIMEOUT_MS = 90000;
  var MIN_POLL_INTERVAL_MS = 1000; // guard if the server answers "empty" at once
  var MAX_STORED_ITEMS = 300;
  var COUNTER_THRESHOLD = 200; // show "Noch N Zeichen frei" below this

  var TEXT = {
    you: 'Sie:',
    bot: 'DiODo:',
    note: 'Hinweis:',
    typing: 'DiODo schreibt …',
    notSent: 'Nicht gesendet.',
    chosen: ' (ausgewählt)',
    choicesLabel: 'Antwortmöglichkeiten',
    empty: 'Bitte schreiben Sie zuerst Ihre Frage in das Feld.',
    tooLong: function (max) {
      return 'Ihre Nachricht ist zu lang. Bitte schreiben Sie höchstens ' + formatNumber(max) + ' Zeichen.';
    },
    charsLeft: function (n) {
      return n === 1 ? 'Noch 1 Zeichen frei.' : 'Noch ' + formatNumber(n) + ' Zeichen frei.';
    },
    sendFailed: 'Ihre Nachricht konnte nicht gesendet werden. Vielleicht ist die Internet-Verbindung gestört. Bitte versuchen Sie es noch einmal.',
    retry: 'Nochmal senden',
    rejected: 'Ihre Nachricht konnte so nicht gesendet werden. Bitte ändern Sie den Text und versuchen Sie es noch einmal.',
    tooFast: 'Sie haben sehr schnell viele Nachrichten geschickt. Bitte warten Sie einen Moment. Dann senden Sie Ihre Nachricht noch einmal.',
    expired: 'Ihr bisheriges Gespräch war zu lange still. Es ist beendet. Wir haben ein neues Gespräch für Sie begonnen.',
    cleared: 'Ein neues Gespräch hat begonnen. Das alte Gespräch ist gelöscht.',
    slow: 'Die Antwort dauert leider länger. Bitte warten Sie noch etwas.',
    kioskAlert: 'Das Gespräch wird gleich gelöscht. Drücken Sie eine Taste, wenn Sie weiterschreiben möchten.',
    kioskCountdown: function (n) {
      return n === 1 ? 'Noch 1 Sekunde.' : 'Noch ' + formatNumber(n) + ' Sekunden.';
    }
  };

  // ---------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }

  function formatNumber(n) {
    try { return Number(n).toLocaleString('de-DE'); } catch (e) { return String(n); }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function prefersReducedMotion() {
    return !!(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);
  }

  // Client message id: 1-64 chars of [A-Za-z0-9_-].
  function newClientId() {
    var c = window.crypto || window.msCrypto;
    if (c && typeof c.randomUUID === 'function') {
      try { return c.randomUUID(); } catch (e) { /* insecure context: fall through */ }
    }
    var hex = '';
    if (c && typeof c.getRandomValues === 'function') {
      var bytes = new Uint8Array(16);
      c.getRandomValues(bytes);
      for (var i = 0; i < bytes.length; i++) hex += ('0' + bytes[i].toString(16)).slice(-2);
      return hex;
    }
    for (var j = 0; j < 32; j++) hex += Math.floor(Math.random() * 16).toString(16);
    return 'm' + Date.now().toString(36) + hex;
  }

  // Sleep that can be woken early (when the browser comes back online, or when
  // the conversation is reset and old loops should exit quickly).
  var sleepers = [];
  function pause(ms) {
    return new Promise(function (resolve) {
      var timer;
      function done() {
        clearTimeout(timer);
        var idx = sleepers.indexOf(done);
        if (idx >= 0) sleepers.splice(idx, 1);
        resolve();
      }
      timer = setTimeout(done, ms);
      sleepers.push(done);
    });
  }
  function wakeAll() {
    sleepers.slice().forEach(function (fn) { fn(); });
  }

  // ---------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------
  var root, apiBase, maxLength;
  var els = {};
  var nodes = new WeakMap(); // item -> DOM node

  var state = {
    gen: 0,                 // bumped by "Neues Gespräch"; old async work stops
    sessionId: null,
    sessionPromise: null,
    cursor: 0,
    seen: new Set(),        // reply ids already shown in this session
    items: [],              // transcript (persisted in sessionStorage)
    queue: [],              // user items waiting to be delivered, in order
    pumping: false,
    controllers: new Set(), // in-flight fetches (aborted on reset)
    awaiting: new Set(),    // id of the last sent message while its answer is missing
    typingTimer: null,
    slowTimer: null
  };

  // ---------------------------------------------------------------------------
  // Persistence (sessionStorage: survives reload, ends with the browser)
  // ---------------------------------------------------------------------------
  function serialiseItem(item) {
    if (item.kind === 'user') {
      return { kind: 'user', cid: item.cid, display: item.display, send: item.send,
               fromChoice: !!item.fromChoice, status: item.status === 'sent' ? 'sent' : 'pending' };
    }
    if (item.kind === 'bot') {
      return { kind: 'bot', sid: item.sid, id: item.id, text: item.text,
               buttons: item.buttons, used: !!item.used, chosen: item.chosen };
    }
    return { kind: 'system', text: item.text };
  }

  function save() {
    try {
      var data = {
        v: 1,
        api: apiBase,
        sessionId: state.sessionId,
        items: state.items.slice(-MAX_STORED_ITEMS).map(serialiseItem)
      };
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify(data));
    } catch (e) { /* storage full or disabled: the chat still works */ }
  }

  function load() {
    try {
      var raw = window.sessionStorage.getItem(STORE_KEY);
      if (!raw) return null;
      var data = JSON.parse(raw);
      if (!data || data.v !== 1 || data.api !== apiBase || !Array.isArray(data.items)) return null;
      return data;
    } catch (e) {
      return null;
    }
  }

  function clearStore() {
    try { window.sessionStorage.removeItem(STORE_KEY); } catch (e) { /* ignore */ }
  }

  // ---------------------------------------------------------------------------
  // Safe rendering of simple Markdown (paragraphs, lists, **bold**)
  // ---------------------------------------------------------------------------
  var RE_OL = /^\s{0,3}(\d{1,3})[.)]\s+(.*)$/;
  var RE_UL = /^\s{0,3}[-*•]\s+(.*)$/;
  var RE_HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
  var RE_BOLD = /\*\*(?=\S)([\s\S]*?\S)\*\*/g;

  // Append text to `parent`, turning **bold** into <strong>.
  function appendInline(parent, text) {
    var last = 0;
    var match;
    RE_BOLD.lastIndex = 0;
    while ((match = RE_BOLD.exec(text)) !== null) {
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(el('strong', null, match[1]));
      last = match.index + match[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function appendLine(parent, text) {
    if (parent.childNodes.length) parent.appendChild(document.createElement('br'));
    appendInline(parent, text);
  }

  function renderRichText(text) {
    var frag = document.createDocumentFragment();
    var normalised = String(text || '').replace(/\r\n?/g, '\n').trim();
    if (!normalised) return frag;

    normalised.split(/\n[ \t]*\n+/).forEach(function (block) {
      var para = null;   // current <p>
      var list = null;   // current <ol>/<ul>
      var listType = '';
      var item = null;   // current <li>

      block.split('\n').forEach(function (line) {
        var m;
        if ((m = RE_OL.exec(line))) {
          if (listType !== 'ol') {
            list = el('ol');
            var start = parseInt(m[1], 10);
            if (start !== 1) list.start = start;
            frag.appendChild(list);
            listType = 'ol';
          }
          para = null;
          item = el('li');
          appendInline(item, m[2]);
          list.appendChild(item);
        } else if ((m = RE_UL.exec(line))) {
          if (listType !== 'ul') {
            list = el('ul');
            frag.appendChild(list);
            listType = 'ul';
          }
          para = null;
          item = el('li');
          appendInline(item, m[1]);
          list.appendChild(item);
        } else if (item && /^\s+\S/.test(line)) {
          // Indented line right after a list item: continuation of that item.
          appendLine(item, line.trim());
        } else if ((m = RE_HEADING.exec(line)) && m[1]) {
          // Article headings: shown as a bold line instead of "## ...".
          list = null; listType = ''; item = null;
          para = el('p', 'heading');
          var strong = el('strong');
          appendInline(strong, m[1]);
          para.appendChild(strong);
          frag.appendChild(para);
          para = null;
        } else {
          list = null; listType = ''; item = null;
          if (!para) {
            para = el('p');
            frag.appendChild(para);
          }
          appendLine(para, line);
        }
      });
    });
    return frag;
  }

  // ---------------------------------------------------------------------------
  // Bubbles
  // ---------------------------------------------------------------------------
  function bubble(kind, who) {
    var node = el('div', 'msg ' + kind);
    node.appendChild(el('span', 'who', who));
    return node;
  }

  function renderUser(item) {
    var node = bubble('user', TEXT.you);
    node.appendChild(el('div', 'text', item.display));
    var status = el('p', 'state');
    node.appendChild(status);
    nodes.set(item, node);
    updateUserStatus(item);
    return node;
  }

  function updateUserStatus(item) {
    var node = nodes.get(item);
    if (!node) return;
    var status = node.querySelector('.state');
    var failed = item.status === 'failed';
    node.classList.toggle('failed', failed);
    status.textContent = failed ? TEXT.notSent : '';
  }

  function renderBot(item) {
    var node = bubble('bot', TEXT.bot);
    var body = el('div', 'text');
    body.appendChild(renderRichText(item.text));
    node.appendChild(body);

    if (item.buttons && item.buttons.length) {
      var group = el('div', 'choices');
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', TEXT.choicesLabel);
      item.buttons.forEach(function (b, index) {
        var btn = el('button', 'choice', b.title);
        btn.type = 'button';
        btn.addEventListener('click', function () { onChoice(item, index); });
        group.appendChild(btn);
      });
      node.appendChild(group);
    }
    nodes.set(item, node);
    if (item.used) markChoicesUsed(item);
    return node;
  }

  function markChoicesUsed(item) {
    var node = nodes.get(item);
    if (!node) return;
    var group = node.querySelector('.choices');
    if (!group) return;
    group.classList.add('used');
    Array.prototype.forEach.call(group.querySelectorAll('button.choice'), function (btn, index) {
      btn.disabled = true;
      if (index === item.chosen && !btn.classList.contains('chosen')) {
        btn.classList.add('chosen');
        btn.appendChild(el('span', 'visually-hidden', TEXT.chosen));
      }
    });
  }

  function renderSystem(item) {
    var node = el('div', 'msg system');
    node.appendChild(el('span', 'who', TEXT.note));
    node.appendChild(el('div', 'text', item.text));
    nodes.set(item, node);
    return node;
  }

  function renderItem(item) {
    if (item.kind === 'user') return renderUser(item);
    if (item.kind === 'bot') return renderBot(item);
    return renderSystem(item);
  }

  // Keep the new bubble visible without moving keyboard focus.
  function reveal(node) {
    var log = els.messages;
    var behavior = prefersReducedMotion() ? 'auto' : 'smooth';
    var logScrolls = window.getComputedStyle(log).overflowY !== 'visible' &&
                     log.scrollHeight > log.clientHeight + 1;
    var viewHeight = logScrolls ? log.clientHeight : window.innerHeight;
    try {
      if (node.offsetHeight > viewHeight * 0.8) {
        // Long answer: show its beginning, the user scrolls on.
        node.scrollIntoView({ block: 'start', behavior: behavior });
      } else if (logScrolls) {
        log.scrollTo({ top: log.scrollHeight, behavior: behavior });
      } else {
        node.scrollIntoView({ block: 'nearest', behavior: behavior });
      }
    } catch (e) {
      node.scrollIntoView(false);
    }
  }

  function addItem(item, opts) {
    state.items.push(item);
    var node = renderItem(item);
    els.messages.appendChild(node);
    if (!opts || opts.reveal !== false) reveal(node);
    save();
    return item;
  }

  function addSystem(text) {
    return addItem({ kind: 'system', text: text });
  }

  function hasConversation() {
    return state.items.some(function (it) { return it.kind === 'user' || it.kind === 'bot'; });
  }

  // ---------------------------------------------------------------------------
  // Status areas: typing indicator and notices
  // ---------------------------------------------------------------------------
  function setTyping(on) {
    clearTimeout(state.typingTimer);
    clearTimeout(state.slowTimer);
    var box = els.typing;
    if (on) {
      if (!box.classList.contains('active')) {
        box.textContent = '';
        var dots = el('span', 'dots');
        dots.setAttribute('aria-hidden', 'true');
        dots.appendChild(el('span'));
        dots.appendChild(el('span'));
        dots.appendChild(el('span'));
        box.appendChild(dots);
        box.appendChild(el('span', 'typing-text', TEXT.typing));
        box.classList.add('active');
      }
      state.slowTimer = setTimeout(function () {
        var t = box.querySelector('.typing-text');
        if (t) t.textContent = TEXT.typing + ' ' + TEXT.slow;
      }, 30000);
      state.typingTimer = setTimeout(function () {
        state.awaiting.clear(); // no answer in time: stop showing "schreibt"
        setTyping(false);
      }, TYPING_TIMEOUT_MS);
    } else {
      box.classList.remove('active');
      box.textContent = '';
    }
  }

  function clearNotice() {
    els.notice.textContent = '';
    els.notice.className = '';
  }

  function showNotice(message, withRetry) {
    clearNotice();
    els.notice.className = 'active' + (withRetry ? ' error' : '');
    els.notice.appendChild(el('p', null, message));
    if (withRetry) {
      var btn = el('button', 'button primary retry', TEXT.retry);
      btn.type = 'button';
      btn.addEventListener('click', retryFailed);
      els.notice.appendChild(btn);
    }
  }

  function updateCounter() {
    var left = maxLength - els.input.value.length;
    els.counter.textContent = left <= COUNTER_THRESHOLD ? TEXT.charsLeft(Math.max(0, left)) : '';
  }

  // ---------------------------------------------------------------------------
  // Networking
  // ---------------------------------------------------------------------------
  function fetchWithTimeout(url, options, timeoutMs) {
    if (typeof AbortController !== 'function') {
      return fetch(url, Object.assign({}, options, { cache: 'no-store', credentials: 'same-origin' }));
    }
    var ctrl = new AbortController();
    state.controllers.add(ctrl);
    var timer = setTimeout(function () { ctrl.abort(); }, timeoutMs);
    var opts = Object.assign({}, options, {
      signal: ctrl.signal,
      cache: 'no-store',
      credentials: 'same-origin'
    });
    return fetch(url, opts).then(function (res) {
      clearTimeout(timer);
      state.controllers.delete(ctrl);
      return res;
    }, function (err) {
      clearTimeout(timer);
      state.controllers.delete(ctrl);
      throw err;
    });
  }

  function readJson(res) {
    return res.json().catch(function () { return null; });
  }

  // The session id travels in a header, never in the URL (URLs end up in logs).
  function sessionHeaders(sid, extra) {
    return Object.assign({ 'Accept': 'application/json', 'Authorization': 'Bearer ' + sid }, extra || {});
  }

  // Seconds from a 429's Retry-After, as milliseconds within sensible bounds.
  function retryAfterMs(res, fallbackMs) {
    var seconds = parseInt(res.headers.get('Retry-After'), 10);
    return seconds > 0 ? Math.min(seconds * 1000, 60000) : fallbackMs;
  }

  // The German `detail` of a 429, or our own text.
  async function limitDetail(res) {
    var data = await readJson(res);
    var detail = data && typeof data.detail === 'string' ? data.detail.trim() : '';
    return detail || TEXT.tooFast;
  }

  // Create one session; retries a few times with backoff, then throws.
  async function createSession(gen) {
    for (var attempt = 1; ; attempt++) {
      try {
        var res = await fetchWithTimeout(apiBase + '/sessions', {
          method: 'POST',
          headers: { 'Accept': 'application/json', 'Content-Type': 'application/json' },
          body: '{}'
        }, POST_TIMEOUT_MS);
        if (res.status === 429) {
          // Too many new conversations from here: trying again at once will not help.
          var limited = new Error('HTTP 429');
          limited.limitDetail = await limitDetail(res);
          throw limited;
        }
        if (!res.ok) throw new Error('HTTP ' + res.status);
        var data = await readJson(res);
        if (!data || typeof data.session_id !== 'string' || !data.session_id) {
          throw new Error('no session_id');
        }
        return data.session_id;
      } catch (err) {
        if (err.limitDetail || gen !== state.gen || attempt >= SESSION_ATTEMPTS ||
            navigator.onLine === false) throw err;
        await pause(Math.min(1000 * Math.pow(2, attempt - 1), MAX_BACKOFF_MS));
        if (gen !== state.gen) throw new Error('reset');
      }
    }
  }

  // Shared by the poll loop and the sender, so only one session is created.
  function getSession() {
    if (state.sessionId) return Promise.resolve(state.sessionId);
    if (!state.sessionPromise) {
      var gen = state.gen;
      var p = createSession(gen).then(function (sid) {
        if (state.sessionPromise === p) state.sessionPromise = null;
        if (gen !== state.gen) throw new Error('reset');
        state.sessionId = sid;
        state.cursor = 0;
        state.seen = new Set();
        save();
        return sid;
      }, function (err) {
        if (state.sessionPromise === p) state.sessionPromise = null;
        throw err;
      });
      state.sessionPromise = p;
    }
    return state.sessionPromise;
  }

  // The server said 404 for `sid`: forget it; the next getSession() makes a new one.
  function sessionExpired(sid) {
    if (state.sessionId !== sid) return; // already handled
    state.sessionId = null;
    state.cursor = 0;
    state.seen = new Set();
    if (hasConversation()) addSystem(TEXT.expired);
    save();
  }

  // ---------------------------------------------------------------------------
  // Replies: long-poll loop
  // ---------------------------------------------------------------------------
  function normaliseButtons(buttons) {
    if (!Array.isArray(buttons)) return [];
    return buttons.filter(function (b) {
      return b && typeof b.title === 'string' && b.title.trim() &&
             typeof b.payload === 'string' && b.payload;
    }).map(function (b) {
      return { title: b.title.trim(), payload: b.payload };
    });
  }

  function applyReplies(sid, data) {
    var replies = data && Array.isArray(data.replies) ? data.replies : [];
    var added = 0;
    var farewell = null;
    replies.forEach(function (r) {
      if (!r || r.id === undefined || r.id === null) return;
      if (r.erased === true) { farewell = typeof r.text === 'string' ? r.text : ''; return; }
      // Answer to one of our messages: stop waiting for it. A server without
      // in_reply_to: any reply ends the wait. null (e.g. a helper's later
      // message) leaves the wait as it is.
      if (r.in_reply_to === undefined) state.awaiting.clear();
      else if (r.in_reply_to !== null) state.awaiting.delete(String(r.in_reply_to));
      var key = String(r.id);
      if (state.seen.has(key)) return;
      state.seen.add(key);
      var text = typeof r.text === 'string' ? r.text : '';
      var buttons = normaliseButtons(r.buttons);
      if (!text.trim() && !buttons.length) return;
      addItem({ kind: 'bot', sid: sid, id: r.id, text: text, buttons: buttons, used: false, chosen: -1 });
      added += 1;
    });
    if (data && data.cursor !== undefined && data.cursor !== null) {
      state.cursor = data.cursor;
    }
    if (!state.awaiting.size) setTyping(false);
    if (farewell !== null) {
      // The citizen's data was erased on the server: erase the transcript here too.
      resetConversation();
      addSystem(farewell);
    }
    return added;
  }

  // Runs while the page is open (until "Neues Gespräch" starts a new loop).
  async function pollLoop(gen) {
    var delay = 1000;
    while (gen === state.gen) {
      try {
        var sid = await getSession();
        if (gen !== state.gen) return;
        var started = Date.now();
        var url = apiBase + '/replies?after=' + encodeURIComponent(String(state.cursor)) +
                  '&wait=' + POLL_WAIT_SECONDS;
        var res = await fetchWithTimeout(url, { headers: sessionHeaders(sid) }, POLL_TIMEOUT_MS);
        if (gen !== state.gen) return;
        if (res.status === 404 || res.status === 401 || res.status === 422) {
          // Unknown (or malformed stored) session: start a new one.
          sessionExpired(sid);
          delay = 1000;
          continue;
        }
        if (res.status === 429) {
          // Too many open polls (e.g. the chat open in several tabs): wait, then again.
          await pause(retryAfterMs(res, delay));
          continue;
        }
        if (!res.ok) throw new Error('HTTP ' + res.status);
        var data = await res.json();
        if (gen !== state.gen) return;
        if (sid !== state.sessionId) continue; // session changed meanwhile
        var added = applyReplies(sid, data);
        delay = 1000;
        var elapsed = Date.now() - started;
        // Guard against a server that answers at once without waiting.
        if (!added && elapsed < MIN_POLL_INTERVAL_MS) await pause(MIN_POLL_INTERVAL_MS - elapsed);
      } catch (err) {
        if (gen !== state.gen) return;
        await pause(delay);
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      }
    }
  }

  // ---------------------------------------------------------------------------
  // Sending: ordered queue, retries with the SAME client_message_id
  // ---------------------------------------------------------------------------
  // Deliver one message. Returns {kind: 'ok' | 'failed' | 'limited' | 'invalid' | 'reset', detail}.
  async function deliver(item, gen) {
    var renewed = false;
    for (var attempt = 0; ; attempt++) {
      if (gen !== state.gen) return { kind: 'reset' };
      if (attempt > 0) {
        // Give up early when the browser knows it is offline ('online' resumes).
        if (attempt > SEND_RETRY_DELAYS_MS.length || navigator.onLine === false) return { kind: 'failed' };
        await pause(SEND_RETRY_DELAYS_MS[attempt - 1]);
        if (gen !== state.gen) return { kind: 'reset' };
      }
      var res = null;
      var sid = null;
      try {
        sid = await getSession();
        if (gen !== state.gen) return { kind: 'reset' };
        res = await fetchWithTimeout(apiBase + '/messages', {
          method: 'POST',
          headers: sessionHeaders(sid, { 'Content-Type': 'application/json' }),
          body: JSON.stringify({ text: item.send, client_message_id: item.cid })
        }, POST_TIMEOUT_MS);
      } catch (err) {
        if (err && err.limitDetail) return { kind: 'limited', detail: err.limitDetail };
        continue; // network error or timeout: retry with the same id
      }
      if (gen !== state.gen) return { kind: 'reset' };
      if (res.ok) return { kind: 'ok' }; // 202, also for {duplicate: true}
      if (res.status === 429) {
        // Too many messages too fast: nothing was stored. Say so; the user sends again.
        return { kind: 'limited', detail: await limitDetail(res) };
      }
      if (res.status === 404 || res.status === 401) {
        // Session unknown or expired: nothing was stored. New session, same id.
        sessionExpired(sid);
        if (!renewed) {
          renewed = true;
          attempt -= 1; // does not count as a failed try
        }
        continue;
      }
      if (res.status === 408 || res.status >= 500) continue;
      // 422 (empty / too long) or another 4xx such as 413: retrying will not help.
      // Show the server's German `detail` if it is a string.
      var data = await readJson(res);
      var detail = data && typeof data.detail === 'string' ? data.detail.trim() : '';
      return { kind: 'invalid', detail: detail };
    }
  }

  function removeItem(item) {
    var idx = state.items.indexOf(item);
    if (idx >= 0) state.items.splice(idx, 1);
    var node = nodes.get(item);
    if (node && node.parentNode) node.parentNode.removeChild(node);
    save();
  }

  // Send queued messages one after another, in order.
  async function pump() {
    if (state.pumping) return;
    var gen = state.gen;
    state.pumping = true;
    try {
      while (gen === state.gen && state.queue.length && state.queue[0].status === 'pending') {
        var item = state.queue[0];
        setTyping(true);
        var result = await deliver(item, gen);
        if (gen !== state.gen || result.kind === 'reset') return;

        if (result.kind === 'ok') {
          state.queue.shift();
          // Only the answer to the latest message ends "DiODo schreibt …".
          state.awaiting.clear();
          state.awaiting.add(item.cid);
          item.status = 'sent';
          updateUserStatus(item);
          save();
          if (els.notice.classList.contains('error')) clearNotice();
        } else if (result.kind === 'invalid') {
          state.queue.shift();
          removeItem(item);
          if (!state.awaiting.size && !state.queue.length) setTyping(false);
          // Give typed text back so the user can correct it (not for button payloads).
          if (!item.fromChoice && !els.input.value) {
            els.input.value = item.send;
            updateCounter();
          }
          showNotice(result.detail || TEXT.rejected, false);
        } else {
          // Network trouble or too fast: stop, keep the order, let the user retry.
          state.queue.forEach(function (q) { q.status = 'failed'; updateUserStatus(q); });
          if (!state.awaiting.size) setTyping(false);
          showNotice(result.kind === 'limited' ? result.detail : TEXT.sendFailed, true);
          return;
        }
      }
    } finally {
      if (gen === state.gen) state.pumping = false;
    }
  }

  function resumeFailed() {
    if (!state.queue.some(function (q) { return q.status === 'failed'; })) return false;
    state.queue.forEach(function (q) { q.status = 'pending'; updateUserStatus(q); });
    clearNotice();
    wakeAll();
    pump();
    return true;
  }

  // "Nochmal senden": the button disappears, so focus goes back to the input.
  function retryFailed() {
    els.input.focus();
    resumeFailed();
  }

  function onOnline() {
    wakeAll();
    resumeFailed(); // back online: send what failed, without moving focus
  }

  function enqueue(display, send, fromChoice) {
    var item = { kind: 'user', cid: newClientId(), display: display, send: send,
                 status: 'pending', fromChoice: !!fromChoice };
    addItem(item);
    state.queue.push(item);
    // After an error, a new message also sends the older ones again first.
    if (!resumeFailed()) pump();
  }

  // ---------------------------------------------------------------------------
  // User actions
  // ---------------------------------------------------------------------------
  function onSubmit(event) {
    if (event) event.preventDefault();
    var text = els.input.value.trim();
    if (!text) {
      // Do not hide a "Nochmal senden" error behind the hint.
      if (!els.notice.classList.contains('error')) showNotice(TEXT.empty, false);
      els.input.focus();
      return;
    }
    if (text.length > maxLength) {
      showNotice(TEXT.tooLong(maxLength), false);
      els.input.focus();
      return;
    }
    if (els.notice.classList.contains('active') && !els.notice.classList.contains('error')) clearNotice();
    els.input.value = '';
    updateCounter();
    els.input.focus();
    enqueue(text, text, false);
  }

  function onKeyDown(event) {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    event.preventDefault();
    onSubmit(null);
  }

  function onChoice(item, index) {
    if (item.used) return;
    var button = item.buttons[index];
    if (!button) return;
    item.used = true;
    item.chosen = index;
    markChoicesUsed(item);
    save();
    els.input.focus(); // the clicked button is now disabled
    enqueue(button.title, button.payload, true);
  }

  function startConversation() {
    state.gen += 1;
    var gen = state.gen;
    pollLoop(gen);
    if (state.queue.length) pump();
  }

  // "Neues Gespräch" (and the erasure farewell) say so in the log and put the cursor
  // in the input. `quiet` (the kiosk's idle reset): an empty log, nothing focused, so
  // that a touch screen does not open its keyboard for nobody.
  function resetConversation(quiet) {
    // Stop everything that belongs to the old conversation.
    state.gen += 1;
    state.controllers.forEach(function (c) { try { c.abort(); } catch (e) { /* ignore */ } });
    state.controllers.clear();
    wakeAll();
    setTyping(false);
    clearNotice();
    clearStore();

    state.sessionId = null;
    state.sessionPromise = null;
    state.cursor = 0;
    state.seen = new Set();
    state.items = [];
    state.queue = [];
    state.awaiting = new Set();
    state.pumping = false;

    els.messages.textContent = '';
    els.input.value = '';
    updateCounter();
    if (quiet === true) {
      if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
      window.scrollTo(0, 0);
    } else {
      els.input.focus();
      addSystem(TEXT.cleared);
    }
    startConversation();
  }

  // ---------------------------------------------------------------------------
  // Kiosk: on a shared PC (`data-kiosk-idle-seconds` on #chat) the conversation is
  // cleared after that long without input, so the next visitor cannot read it. The
  // last part of the time shows a notice with a countdown; any input keeps the chat.
  // Only this device forgets: the server keeps the conversation like any other (an
  // open call-back request must survive), until its retention period ends.
  // ---------------------------------------------------------------------------
  var kiosk = null;
  var KIOSK_STORE_KEY = 'diodo.webchat.kiosk-last'; // a time only: a reload keeps the clock

  function kioskHasSomething() {
    return state.items.length > 0 || els.input.value !== '';
  }

  function kioskActivity(event) {
    kiosk.last = Date.now();
    // A press on the notice's own button: hidden by its click, or the click gets lost.
    if (event && event.target && kiosk.notice.contains(event.target)) return;
    if (kiosk.showing) hideKioskNotice();
  }

  function showKioskNotice(seconds) {
    if (!kiosk.showing) {
      kiosk.showing = true;
      kiosk.notice.hidden = false;
      kiosk.alert.textContent = TEXT.kioskAlert; // announced once, not every second
    }
    kiosk.countdown.textContent = TEXT.kioskCountdown(seconds);
  }

  function hideKioskNotice() {
    kiosk.showing = false;
    kiosk.notice.hidden = true;
    kiosk.alert.textContent = '';
    kiosk.countdown.textContent = '';
  }

  function kioskTick() {
    if (!kioskHasSomething()) {
      kiosk.last = Date.now();
      if (kiosk.showing) hideKioskNotice();
      return;
    }
    var left = kiosk.idleMs - (Date.now() - kiosk.last);
    if (left <= 0) {
      hideKioskNotice();
      resetConversation(true);
      kiosk.last = Date.now();
    } else if (left <= kiosk.warnMs) {
      showKioskNotice(Math.ceil(left / 1000));
    } else if (kiosk.showing) {
      hideKioskNotice(); // input inside the notice (a key on its button) kept the chat
    }
  }

  function initKiosk() {
    var seconds = parseInt(root.getAttribute('data-kiosk-idle-seconds'), 10);
    var notice = $('kiosk-notice');
    if (!(seconds > 0) || !notice) return;
    var saved = 0;
    try { saved = parseInt(window.sessionStorage.getItem(KIOSK_STORE_KEY), 10) || 0; } catch (e) { /* ignore */ }
    kiosk = {
      idleMs: seconds * 1000,
      // At least 20 s to react (WCAG 2.2.1) with the usual times; half of a short time.
      warnMs: Math.min(30, seconds / 2) * 1000,
      // Reloading the page must not give the last visitor's chat another full idle time.
      last: saved > 0 && saved <= Date.now() ? saved : Date.now(),
      showing: false,
      notice: notice,
      alert: $('kiosk-alert'),
      countdown: $('kiosk-countdown')
    };
    ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart'].forEach(function (type) {
      document.addEventListener(type, kioskActivity, { capture: true, passive: true });
    });
    $('kiosk-continue').addEventListener('click', function () {
      kioskActivity(null);
      els.input.focus();
    });
    window.addEventListener('pagehide', function () {
      try { window.sessionStorage.setItem(KIOSK_STORE_KEY, String(kiosk.last)); } catch (e) { /* ignore */ }
    });
    kioskTick();
    setInterval(kioskTick, 250);
  }

  // ---------------------------------------------------------------------------
  // Start-up
  // ---------------------------------------------------------------------------
  function restore() {
    var data = load();
    if (!data) return;
    state.sessionId = typeof data.sessionId === 'string' && data.sessionId ? data.sessionId : null;

    els.messages.setAttribute('aria-busy', 'true');
    data.items.forEach(function (raw) {
      if (!raw || typeof raw !== 'object') return;
      var item;
      if (raw.kind === 'user' && typeof raw.display === 'string' && typeof raw.send === 'string' &&
          typeof raw.cid === 'string') {
        item = { kind: 'user', cid: raw.cid, display: raw.display, send: raw.send,
                 status: raw.status === 'sent' ? 'sent' : 'pending', fromChoice: !!raw.fromChoice };
        if (item.status !== 'sent') state.queue.push(item); // resend with the same id: safe
      } else if (raw.kind === 'bot' && raw.id !== undefined && raw.id !== null) {
        item = { kind: 'bot', sid: raw.sid, id: raw.id, text: typeof raw.text === 'string' ? raw.text : '',
                 buttons: normaliseButtons(raw.buttons), used: !!raw.used,
                 chosen: typeof raw.chosen === 'number' ? raw.chosen : -1 };
        if (item.sid === state.sessionId) state.seen.add(String(item.id));
      } else if (raw.kind === 'system' && typeof raw.text === 'string') {
        item = { kind: 'system', text: raw.text };
      } else {
        return;
      }
      state.items.push(item);
      els.messages.appendChild(renderItem(item));
    });
    els.messages.removeAttribute('aria-busy');

    var last = state.items[state.items.length - 1];
    if (last && last.kind === 'user' && last.status === 'sent') {
      state.awaiting.add(last.cid);
      setTyping(true);
    }
    if (state.items.length) {
      // Show the end of the restored conversation and the input field.
      els.messages.scrollTop = els.messages.scrollHeight;
      els.form.scrollIntoView({ block: 'end' });
    }
  }

  function init() {
    root = $('chat');
    if (!root) return;
    apiBase = (root.getAttribute('data-api-base') || '/api/webchat').replace(/\/+$/, '');
    maxLength = parseInt(root.getAttribute('data-max-length'), 10);
    if (!(maxLength > 0)) maxLength = 2000;

    els.messages = $('messages');
    els.typing = $('typing');
    els.notice = $('notice');
    els.form = $('composer');
    els.input = $('message-input');
    els.counter = $('char-count');
    els.newButton = $('new-conversation');

    els.input.maxLength = maxLength;
    els.form.addEventListener('submit', onSubmit);
    els.input.addEventListener('keydown', onKeyDown);
    els.input.addEventListener('input', function () {
      updateCounter();
      if (els.notice.classList.contains('active') && !els.notice.classList.contains('error')) clearNotice();
    });
    els.newButton.addEventListener('click', function () { resetConversation(); });
    window.addEventListener('online', onOnline);

    var loading = $('loading');
    if (loading && loading.parentNode) loading.parentNode.removeChild(loading);
    $('app').hidden = false;
    els.newButton.hidden = false;

    updateCounter();
    restore();
    startConversation();
    initKiosk();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
