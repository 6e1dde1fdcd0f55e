-- wrk script: one realistic hit per request (POST /e, text/plain like sendBeacon).
wrk.method = "POST"
wrk.path = "/e"
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
wrk.headers["Accept-Language"] = "en-US,en;q=0.9"
wrk.body = '{"site":"example.com","url":"https://example.com/pricing?utm_source=newsletter&utm_medium=email","referrer":"https://www.google.com/search?q=x","screen_width":1280}'
