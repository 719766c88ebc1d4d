// Shut this page's kernel down when the page is left (voila-dashboards/voila#1458).
// Voila 0.5.13 posts the shutdown without an XSRF token and the server refuses it; this sends
// the token the double-submit way the server checks: the `_xsrf` cookie (set by the server, or
// created here when the page was opened directly) and the same value as the `_xsrf` argument.
(function () {
  "use strict";
  function readCookie(name) {
    var m = document.cookie.match("(?:^|;)\\s*" + name + "=([^;]*)");
    return m ? decodeURIComponent(m[1]) : null;
  }
  var xsrf = readCookie("_xsrf");
  if (!xsrf) {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    xsrf = Array.from(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    document.cookie = "_xsrf=" + xsrf + "; path=/; SameSite=Strict";
  }
  var sent = false;
  function shutdown() {
    if (sent) return;
    var el = document.getElementById("jupyter-config-data");
    if (!el) return;
    var cfg = JSON.parse(el.textContent);
    if (!cfg.kernelId) return;
    sent = true;
    var url = cfg.baseUrl + "voila/api/shutdown/" + cfg.kernelId + "?_xsrf=" + encodeURIComponent(xsrf);
    if (!(navigator.sendBeacon && navigator.sendBeacon(url))) {
      fetch(url, { method: "POST", keepalive: true, credentials: "same-origin" });
    }
  }
  window.addEventListener("pagehide", shutdown);
  window.addEventListener("beforeunload", shutdown);
})();
