// SafeRounds service worker: precaches the app shell and serves it offline.
// The build (cargo xtask build) replaces the two placeholders below with the content-hashed
// list of files and a version derived from their hashes.
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
// Fetched once the shell is cached, not on the first screen's path: the camera module (scanning
// room labels, marking up photos), so it works offline from the first day.
const LATER = __LATER__;
const CACHE = "saferounds-shell-" + VERSION;

self.addEventListener("install", (event) => {
  // API requests go straight to the network, never through this worker (where the browser has
  // static routes): the app's requests then cannot keep an old worker busy and put off the
  // activation of a new version the user asked for, and they skip the worker's start-up.
  const routes = event.addRoutes
    ? event.addRoutes({ condition: { urlPattern: { pathname: "/api/*" } }, source: "network" }).catch((e) => console.warn("routes", e))
    : Promise.resolve();
  event.waitUntil(Promise.all([routes, caches.open(CACHE).then((cache) => cache.addAll(PRECACHE).then(() =>
    // Without the network the app fetches it on first use instead (below); the shell is enough.
    cache.addAll(LATER).catch((e) => console.warn("camera module", e))))]));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("saferounds-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (req.mode === "navigate") {
    // The app shell answers every navigation, from cache first: it opens with no network.
    event.respondWith(caches.match("/index.html", { cacheName: CACHE }).then((hit) => hit || fetch(req)));
    return;
  }
  event.respondWith(caches.match(req, { cacheName: CACHE }).then((hit) => hit || fetch(req).then((res) => {
    // The desk module is not precached (a phone never needs it); once fetched it is kept, so
    // the desk opens offline too (and so is the camera module if the install could not fetch
    // it). Their names carry content hashes: a cached copy is never stale.
    if (res.ok && url.pathname.startsWith("/pkg/")) {
      const copy = res.clone();
      event.waitUntil(caches.open(CACHE).then((cache) => cache.put(req, copy)));
    }
    return res;
  })));
});
