/*
 * DiODo phone simulator – plain browser client (ES2017, no dependencies).
 *
 *   POST /simulator/api/phones                      -> 201 {key, number}
 *   GET  /simulator/api/messages?after=C&wait=20    -> 200 {number, messages, cursor}
 *   POST /simulator/api/sms        {text}           -> 202 (the real Twilio webhook path)
 *   POST /simulator/api/telegram   {text} | {message_ref, button} -> 202
 * The phone's key goes in `Authorization: Bearer <key>`; each browser tab keeps its own
 * phone (sessionStorage), so one PC can hold several for a training.
 * Server text is never assigned to innerHTML.
 */
(function () {
  'use strict';

  var STORE_KEY = 'diodo.simulator.v1';
  var POLL_WAIT_SECONDS = 20;
  var RETRY_MS = 2000;

  var TEXT = {
    you: 'Sie:',
    bot: 'DiODo:',
    segments: function (n) { return 'Als ' + n + ' SMS verschickt.'; },
    choices: 'Antwortmöglichkeiten',
    empty: 'Bitte schreiben Sie zuerst eine Nachricht in das Feld.',
    failed: 'Die Nachricht konnte nicht gesendet werden. Bitte versuchen Sie es noch einmal.',
    offline: 'Keine Verbindung zu DiODo. Wir versuchen es gleich noch einmal.',
    newPhone: 'Sie haben ein neues Übungs-Telefon. Die Nummer ist neu.'
  };

  var root = document.getElementById('phones');
  if (!root) { return; }
  var numberEl = document.getElementById('phone-number');
  var notice = document.getElementById('sim-notice');
  var threads = {
    sms: document.getElementById('sms-thread'),
    telegram: document.getElementById('telegram-thread')
  };
  var startButton = document.getElementById('telegram-start');
  var state = { key: null, cursor: 0, generation: 0, polled: false };

  function say(text) { notice.textContent = text || ''; }

  function api(method, path, body) {
    var headers = { 'Accept': 'application/json' };
    if (state.key) { headers['Authorization'] = 'Bearer ' + state.key; }
    if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
    return fetch(path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store'
    });
  }

  function clearThreads() {
    Object.keys(threads).forEach(function (name) {
      if (threads[name]) { threads[name].textContent = ''; }
    });
    if (startButton) { startButton.hidden = false; }
  }

  function newPhone() {
    state.key = null;
    state.cursor = 0;
    state.polled = false;
    state.generation += 1;
    sessionStorage.removeItem(STORE_KEY);
    clearThreads();
    numberEl.textContent = 'wird vergeben …';
    return api('POST', '/simulator/api/phones').then(function (response) {
      if (!response.ok) { throw new Error('phone ' + response.status); }
      return response.json();
    }).then(function (phone) {
      state.key = phone.key;
      sessionStorage.setItem(STORE_KEY, phone.key);
      numberEl.textContent = formatNumber(phone.number);
    });
  }

  // +4915100001234 -> +49 151 0000 1234
  function formatNumber(number) {
    var m = /^\+49(\d{3})(\d{4})(\d+)$/.exec(number);
    return m ? '+49 ' + m[1] + ' ' + m[2] + ' ' + m[3] : number;
  }

  function render(message) {
    var thread = threads[message.channel];
    if (!thread) { return; }
    var item = document.createElement('div');
    item.className = 'msg ' + (message.from_phone ? 'user' : 'bot');
    var who = document.createElement('span');
    who.className = 'who';
    who.textContent = message.from_phone ? TEXT.you : TEXT.bot;
    var text = document.createElement('div');
    text.className = 'text';
    text.textContent = message.text;
    item.appendChild(who);
    item.appendChild(text);
    if (message.channel === 'sms' && !message.from_phone && message.segments > 1) {
      var segments = document.createElement('span');
      segments.className = 'segments';
      segments.textContent = TEXT.segments(message.segments);
      item.appendChild(segments);
    }
    if (message.buttons.length) {
      var group = document.createElement('div');
      group.className = 'tg-buttons';
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', TEXT.choices);
      message.buttons.forEach(function (button, index) {
        var el = document.createElement('button');
        el.type = 'button';
        el.className = 'button secondary';
        el.textContent = button.title;
        el.addEventListener('click', function () {
          send('telegram', { message_ref: message.ref, button: index });
        });
        group.appendChild(el);
      });
      item.appendChild(group);
    }
    thread.appendChild(item);
    thread.scrollTop = thread.scrollHeight;
    if (message.channel === 'telegram' && startButton) { startButton.hidden = true; }
  }

  function poll(generation) {
    if (generation !== state.generation) { return; }
    // The first look answers at once (the number shows), later ones wait for news.
    var wait = state.polled ? POLL_WAIT_SECONDS : 0;
    var path = '/simulator/api/messages?after=' + state.cursor + '&wait=' + wait;
    api('GET', path).then(function (response) {
      if (generation !== state.generation) { return null; }
      if (response.status === 404) {  // the app restarted: take a new phone
        return newPhone().then(function () { say(TEXT.newPhone); poll(state.generation); });
      }
      if (!response.ok) { throw new Error('poll ' + response.status); }
      return response.json().then(function (body) {
        numberEl.textContent = formatNumber(body.number);
        body.messages.forEach(render);
        state.cursor = body.cursor;
        state.polled = true;
        if (notice.textContent === TEXT.offline) { say(''); }
        poll(generation);
      });
    }).catch(function () {
      if (generation !== state.generation) { return; }
      say(TEXT.offline);
      setTimeout(function () { poll(generation); }, RETRY_MS);
    });
  }

  function send(channel, body) {
    return api('POST', '/simulator/api/' + channel, body).then(function (response) {
      if (!response.ok) { throw new Error('send ' + response.status); }
      say('');
      return true;
    }).catch(function () {
      say(TEXT.failed);
      return false;
    });
  }

  function wireComposer(channel) {
    var form = document.getElementById(channel + '-form');
    var input = document.getElementById(channel + '-input');
    if (!form || !input) { return; }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { say(TEXT.empty); input.focus(); return; }
      send(channel, { text: text }).then(function (ok) {
        if (ok) { input.value = ''; }
        input.focus();
      });
    });
    input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  function start() {
    wireComposer('sms');
    wireComposer('telegram');
    if (startButton) {
      startButton.addEventListener('click', function () { send('telegram', { text: '/start' }); });
    }
    document.getElementById('new-phone').addEventListener('click', function () {
      newPhone().then(function () { say(TEXT.newPhone); poll(state.generation); })
        .catch(function () { say(TEXT.offline); });
    });
    state.key = sessionStorage.getItem(STORE_KEY);
    var ready = state.key ? Promise.resolve() : newPhone();
    ready.then(function () { poll(state.generation); })
      .catch(function () { say(TEXT.offline); });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
