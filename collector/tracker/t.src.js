// hitflow tracker. Readable source of collector/src/t.js: edit here, then run ./build.sh
// (the minified file must stay within 1 KiB gzipped).
//
// <script defer data-site="example.com" src="https://COLLECTOR/t.js"></script>
//   data-site  site as configured in the collector (default: location.hostname)
//   data-api   endpoint override (default: this script's origin + "/e")
//   data-entry opt in to device storage: one sessionStorage marker ("hitflow") so the first page
//              view of a browser session is flagged `entry: true` (for the reporter's
//              split_on_browser_close). ePrivacy rules cover any storage on the device, so
//              without the attribute nothing is stored and `entry` is not sent.
//
// No cookies, no localStorage, and by default no storage at all.
// Custom events: hitflow(name, props, {revenue: {amount, currency}}). Calls made before this
// script runs are kept by the snippet
//   window.hitflow = window.hitflow || function () { (hitflow.q = hitflow.q || []).push(arguments) }
// Syntax is ES2020 (optional chaining): older browsers skip the script rather than break.
!(function (w, d) {
  var loc = w.location;
  var nav = navigator;
  var hist = history;
  var script = d.currentScript;
  var site = script.dataset.site || loc.hostname;
  var api = script.dataset.api || new URL('/e', script.src);
  var entry = 'entry' in script.dataset; // `data-entry` present, whatever its value
  var queue = w.hitflow?.q || [];
  // Automation and local files are not visitors. Headless test browsers must turn
  // navigator.webdriver off (Chromium: --disable-blink-features=AutomationControlled).
  var silent = loc.protocol == 'file:' || nav.webdriver || w.Cypress;
  var first = 1; // the first hit still to send carries document.referrer and `entry`
  var page; // URL of the last page view: engagement and custom events belong to it
  var pageKey; // see key()
  var none; // an undefined argument, left out of the JSON
  var visibleSince = 0; // Date.now() when the page last became visible, 0 while hidden
  var engaged = 0; // visible milliseconds accumulated since the last page view
  var depth; // deepest point of the page seen since the last page view, % of the page height
  var now = Date.now;
  var on = (target, type, fn) => target.addEventListener(type, fn);

  function send(name, props, revenue, engagedMs) {
    if (silent) return;
    var body = {
      site: site,
      name: name,
      url: page,
      screen_width: w.innerWidth,
      props: props,
      revenue: revenue,
      engaged_ms: engagedMs,
      scroll: engagedMs && depth, // engagement beacons only
    };
    if (first) {
      first = 0;
      body.referrer = d.referrer;
      if (entry)
        try {
          body.entry = !sessionStorage.getItem('hitflow');
          sessionStorage.setItem('hitflow', 1);
        } catch {} // storage blocked: `entry` stays unknown
    }
    body = JSON.stringify(body);
    // A string body goes out as text/plain: a simple request, no CORS preflight. Every browser
    // that runs ES2020 has sendBeacon; it returns false when refused (quota), then fetch tries.
    nav.sendBeacon(api, body) || fetch(api, { method: 'POST', body: body, keepalive: true }).catch(now) /* any function swallows the rejection */;
  }

  // Sends the visible time accumulated for the current page, if any, and restarts the count.
  function flush() {
    var t = now();
    if (visibleSince) {
      engaged += t - visibleSince;
      visibleSince = t;
    }
    // The collector rejects more than a day; a tab left open longer reports one day.
    if (engaged > 0) send('engagement', none, none, Math.min(engaged, 864e5));
    engaged = 0;
  }

  // visibilitychange and pagehide both fire on unload, in either order: the second finds
  // nothing left to send. pagehide can come while still "visible" (page entering the
  // back/forward cache), so it hides unconditionally and pageshow resumes the count.
  function hide() {
    flush();
    visibleSince = 0;
  }

  function onVisibility() {
    if (d.hidden) hide();
    else visibleSince = visibleSince || now();
  }

  // Path, query and hash route: an anchor jump (#section) or a replaceState to the same URL
  // is no new page. Mirrors which fragments the collector keeps.
  function key() {
    var hash = loc.hash;
    return loc.pathname + loc.search + (/^#!?\//.test(hash) ? hash : '');
  }

  // Bottom of the viewport as % of the page height (the body's: no `documentElement` in the
  // budget; margins aside the same), clamped: a page shorter than the viewport is 100. Before
  // the body exists it is 0. Scroll events cannot be cancelled, so the listener needs no
  // `passive` flag; it only reads positions the browser has just laid out.
  function scrolled() {
    depth = Math.max(depth, Math.min(100, ((w.scrollY + w.innerHeight) * 100) / d.body?.scrollHeight) | 0);
  }

  function pageview() {
    if (pageKey != (pageKey = key())) {
      if (page) flush(); // close the previous page's engagement first
      page = loc.href;
      depth = 0;
      scrolled(); // a page that is never scrolled reports what its first screen shows
      send('pageview');
    }
  }

  function start() {
    onVisibility();
    pageview();
    queue.map((args) => hitflow(...args)); // queued calls follow their page view
  }

  // Outbound links and file downloads; auxclick covers middle-click "open in new tab".
  function onClick(event) {
    var link = event.target.closest?.('a[href]');
    var props;
    if (link && /^https?:$/.test(link.protocol)) {
      props = { url: link.origin + link.pathname }; // the query may carry personal data
      if (/\.(pdf|zip|dmg|exe|msi|pkg|apk|iso|7z|rar|gz|(doc|xls|ppt)x?|csv|txt|epub|mp3|mp4|wav|mov)$/i.test(link.pathname)) {
        send('download', props);
      } else if (link.host != loc.host) {
        send('outbound', props);
      }
    }
  }

  // Until the first page view (a prerendered page not shown yet) custom events wait in the queue.
  w.hitflow = hitflow;
  function hitflow(name, props, options) {
    if (page) send(name, props, options?.revenue);
    else queue.push(arguments);
  }

  ['pushState', 'replaceState'].map((method) => {
    var original = hist[method];
    hist[method] = function () {
      original.apply(this, arguments);
      pageview();
    };
  });
  // popstate also fires on fragment navigations (links to #/route, location.hash = …), so
  // hashchange needs no listener of its own.
  on(w, 'popstate', pageview);
  on(d, 'visibilitychange', onVisibility);
  on(w, 'pagehide', hide);
  on(w, 'pageshow', onVisibility);
  on(d, 'click', onClick);
  on(d, 'auxclick', onClick);
  on(w, 'scroll', scrolled);

  // A prerendered page may never be shown: count it only once activated (fires once). The
  // older visibilityState "prerender" is gone from every browser that runs ES2020.
  if (d.prerendering) on(d, 'prerenderingchange', start);
  else start();
})(window, document);
