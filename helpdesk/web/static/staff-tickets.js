// Staff ticket pages: live queue updates (server-sent events, with polling as a
// fallback) and canned replies. Works without JavaScript too: the page is plain HTML.
(function () {
  "use strict";

  var rows = document.getElementById("ticket-rows");
  var status = document.getElementById("live-status");
  if (rows) {
    var refreshing = false;
    var again = false;
    var refresh = function () {
      if (refreshing) { again = true; return; }
      refreshing = true;
      fetch("/staff/tickets/rows" + window.location.search, {
        credentials: "same-origin",
        headers: { "Accept": "text/html" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      }).then(function (html) {
        var before = rows.querySelectorAll("tr").length;
        rows.innerHTML = html;
        var after = rows.querySelectorAll("tr").length;
        if (status && after !== before) {
          status.textContent = "Liste aktualisiert: " + after + " Einträge.";
        }
      }).catch(function () {
        if (status) { status.textContent = "Die Liste konnte nicht aktualisiert werden."; }
      }).finally(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
    };
    if (window.EventSource) {
      var source = new EventSource("/staff/tickets/events");
      source.addEventListener("tickets", refresh);
    }
    // Another app process may have taken the ticket: poll now and then as well.
    window.setInterval(refresh, 30000);
  }

  var canned = document.getElementById("canned");
  var reply = document.getElementById("reply-text");
  if (canned && reply) {
    canned.addEventListener("change", function () {
      var option = canned.options[canned.selectedIndex];
      var text = option && option.getAttribute("data-text");
      if (text) {
        reply.value = reply.value ? reply.value + "\n\n" + text : text;
        reply.focus();
      }
    });
  }
})();
