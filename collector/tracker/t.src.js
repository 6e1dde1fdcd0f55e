// hitflow tracker: readable source of collector/src/t.js (regenerate with ./build.sh).
//
// <script defer data-site="example.com" src="https://COLLECTOR/t.js"></script>
//   data-site  site name as configured in the collector (default: location.hostname)
//   data-api   endpoint override (default: origin of this script + "/e")
//
// No cookies, no localStorage. sessionStorage holds one marker ("hitflow") so the first
// page view of a browser session can be flagged `entry: true`.
// Custom events: hitflow(name, props, {revenue: {amount, currency}}); calls made before
// this script runs are queued by the snippet
//   window.hitflow = window.hitflow || function () { (hitflow.q = hitflow.q || []).push(arguments) }
(function (w, d) {
  'use strict';
  var loc = w.location;
  var nav = navigator;
  var script = d.currentScript || d.querySelector('script[data-site]');
  var site = script.getAttribute('data-site') || loc.hostname;
  var api = script.getAttribute('data-api') || new URL(script.src).origin + '/e';
  var queue = (w.hitflow && w.hitflow.q) || [];
  // Automation and local files are not visitors. (Headless test browsers must disable
  // navigator.webdriver, e.g. Chromium's --disable-blink-features=AutomationControlled.)
  var silent = loc.protocol == 'file:' || nav.webdriver || w._phantom || w.__nightmare || w.Cypress;
  var first = 1; // the first page view still to send: carries document.referrer and `entry`
  var page; // URL of the last page view; engagement beacons belong to it
  var pageKey; // what makes a navigation a new page view (see key())
  var visibleSince = 0; // Date.now() when the page last became visible, 0 while hidden
  var engaged = 0; // visible milliseconds accumulated since the last page view

  function send(name, props, revenue, engagedMs) {
    if (silent) return;
    var body = { site: site, name: name, url: page, screen_width: w.innerWidth };
    if (props) body.props = props;
    if (revenue) body.revenue = revenue;
    if (engagedMs) body.engaged_ms = engagedMs;
    if (first) {
      first = 0;
      body.referrer = d.referrer;
      try {
        body.entry = !sessionStorage.getItem('hitflow');
        sessionStorage.setItem('hitflow', 1);
      } catch (e) {} // storage blocked: leave `entry` unknown
    }
    body = JSON.stringify(body);
    // A string body is sent as text/plain: a simple request, no CORS preflight.
    (nav.sendBeacon && nav.sendBeacon(api, body)) ||
      fetch(api, { method: 'POST', body: body, keepalive: true }).catch(function () {});
  }

  // Sends the visible time accumulated for the current page, if any, and restarts the count.
  function flush() {
    var now = Date.now();
    if (visibleSince) {
      engaged += now - visibleSince;
      visibleSince = now;
    }
    // The collector caps engaged_ms at one day.
    if (engaged > 0) send('engagement', 0, 0, Math.min(engaged, 864e5));
    engaged = 0;
  }

  function onVisibility() {
    if (d.visibilityState == 'visible') visibleSince = visibleSince || Date.now();
    else hide();
  }

  // visibilitychange and pagehide both fire on unload, in either order: the second finds
  // nothing left to send. pagehide alone may come while still "visible" (bfcache), so it
  // hides unconditionally and pageshow resumes the count.
  function hide() {
    flush();
    visibleSince = 0;
  }

  // Path, query and hash route: an anchor jump (#section) or a replaceState to the same URL
  // is not a new page; mirrors which fragments the collector keeps.
  function key() {
    return loc.pathname + loc.search + (/^#!?\//.test(loc.hash) ? loc.hash : '');
  }

  function pageview() {
    if (pageKey == key()) return;
    if (page) flush(); // close the previous page's engagement first
    pageKey = key();
    page = loc.href;
    send('pageview');
  }

  function start() {
    visibleSince = d.visibilityState == 'visible' ? Date.now() : 0;
    pageview();
    // Calls queued before load run after the page view they belong to.
    queue.forEach(function (args) {
      w.hitflow.apply(w, args);
    });
  }

  // Until the first page view (a prerendered page not yet shown) custom events wait in the queue.
  w.hitflow = function (name, props, options) {
    if (!page) return queue.push(arguments);
    send(name, props, options && options.revenue);
  };

  ['pushState', 'replaceState'].forEach(function (method) {
    var original = history[method];
    history[method] = function () {
      var result = original.apply(this, arguments);
      pageview();
      return result;
    };
  });
  w.addEventListener('popstate', pageview);
  w.addEventListener('hashchange', pageview);
  d.addEventListener('visibilitychange', onVisibility);
  w.addEventListener('pagehide', hide);
  w.addEventListener('pageshow', onVisibility);

  // Outbound links and file downloads; auxclick covers middle-click "open in new tab".
  function onClick(event) {
    var link = event.target.closest && event.target.closest('a[href]');
    if (!link || !/^https?:$/.test(link.protocol)) return;
    var url = link.origin + link.pathname; // the query may carry personal data
    if (/\.(pdf|zip|dmg|exe|msi|pkg|deb|rpm|apk|iso|7z|rar|gz|tgz|bz2|xz|docx?|xlsx?|pptx?|odt|ods|csv|txt|rtf|epub|mp3|mp4|m4a|wav|mov|avi|mkv|webm)$/i.test(link.pathname)) {
      send('download', { url: url });
    } else if (link.host != loc.host) {
      send('outbound', { url: url });
    }
  }
  d.addEventListener('click', onClick);
  d.addEventListener('auxclick', onClick);

  // A prerendered page may never be shown: count it only once it is activated.
  if (d.prerendering || d.visibilityState == 'prerender') {
    d.addEventListener('prerenderingchange', start, { once: true });
  } else {
    start();
  }
})(window, document);
