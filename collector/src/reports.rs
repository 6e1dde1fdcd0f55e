//! The hosted report site under `/reports/`, served from the bucket's `reports/` prefix.
//!
//! Access needs HTTP Basic credentials (secret `REPORTS_PASSWORD`, user `REPORTS_USER`, default
//! `report`) or a signed link (secret `REPORTS_SIGNING_KEY`, links from `reporter sign-link`; a
//! valid link also sets a cookie scoped to its path so the site's own links work). Without valid
//! access every request gets the same 401, so nothing tells which sites or periods exist; with
//! neither secret set the report site does not exist (404).

use hitflow_report_link::{verify, REPORTS_PATH};
use worker::{Env, Request, Response};

use crate::report_path::{basic_auth_matches, content_type, report_key};
use crate::HITS_BUCKET;

const COOKIE: &str = "hitflow_report";

struct Secrets {
    user: String,
    password: Option<String>,
    signing_key: Option<String>,
}

fn secrets(env: &Env) -> Secrets {
    let secret = |name: &str| env.secret(name).ok().map(|s| s.to_string()).filter(|s| !s.is_empty());
    Secrets {
        user: env
            .var("REPORTS_USER")
            .map(|v| v.to_string())
            .unwrap_or_else(|_| "report".into()),
        password: secret("REPORTS_PASSWORD"),
        signing_key: secret("REPORTS_SIGNING_KEY"),
    }
}

/// Serves one `/reports…` request (GET or HEAD).
pub async fn serve(req: &Request, env: &Env) -> worker::Result<Response> {
    let secrets = secrets(env);
    if secrets.password.is_none() && secrets.signing_key.is_none() {
        return plain(404, "no such endpoint");
    }
    let path = req.path();
    if path == REPORTS_PATH.trim_end_matches('/') {
        return redirect_to_index(req);
    }
    let now = worker::Date::now().as_millis() / 1000;
    let mut set_cookie = None;
    let authorized = match (&secrets.password, header(req, "Authorization")) {
        (Some(password), Some(auth)) if basic_auth_matches(Some(&auth), &secrets.user, password) => true,
        _ => match &secrets.signing_key {
            Some(key) => {
                // A link in the URL wins; a stale one must not hide a valid cookie.
                let valid = |link: &Link| verify(key.as_bytes(), link.exp, &link.scope, &link.sig, &path, now).is_ok();
                match (link_from_query(req).filter(valid), link_from_cookie(req).filter(valid)) {
                    (Some(link), _) => {
                        set_cookie = Some(link.cookie(now));
                        true
                    }
                    (None, Some(_)) => true,
                    (None, None) => false,
                }
            }
            None => false,
        },
    };
    if !authorized {
        let mut response = plain(401, "authentication required")?;
        if secrets.password.is_some() {
            response
                .headers_mut()
                .set("WWW-Authenticate", "Basic realm=\"hitflow reports\", charset=\"UTF-8\"")?;
        }
        return Ok(response);
    }
    let Some(key) = report_key(&path) else {
        return plain(404, "not found");
    };
    let Some(object) = env.bucket(HITS_BUCKET)?.get(&key).execute().await? else {
        return plain(404, "not found");
    };
    let Some(body) = object.body() else {
        return plain(404, "not found");
    };
    let bytes = body.bytes().await?;
    let mut response = Response::from_bytes(bytes)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", content_type(&key))?;
    headers.set("Cache-Control", "private, max-age=300")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    // Report pages are static: no script, no remote anything.
    headers.set(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline' 'self'; img-src 'self' data:; frame-ancestors 'none'",
    )?;
    if let Some(cookie) = set_cookie {
        headers.set("Set-Cookie", &cookie)?;
    }
    Ok(response)
}

/// `/reports` → `/reports/` (query kept, so a signed link still works), before any credential
/// check: served at the bare path, the index's relative links would resolve against `/` and 404.
/// It tells nothing that the 401 of `/reports/` does not.
fn redirect_to_index(req: &Request) -> worker::Result<Response> {
    let query = req.url()?.query().map(|q| format!("?{q}")).unwrap_or_default();
    let mut response = plain(301, "moved to /reports/")?;
    response
        .headers_mut()
        .set("Location", &format!("{REPORTS_PATH}{query}"))?;
    Ok(response)
}

struct Link {
    exp: u64,
    scope: String,
    sig: String,
}

impl Link {
    fn cookie(&self, now: u64) -> String {
        let max_age = self.exp.saturating_sub(now);
        format!(
            "{COOKIE}={}.{}.{}; Path={REPORTS_PATH}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict",
            self.exp,
            self.scope.replace('/', "!"),
            self.sig
        )
    }
}

fn link_from_query(req: &Request) -> Option<Link> {
    let url = req.url().ok()?;
    let (mut exp, mut scope, mut sig) = (None, None, None);
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "exp" => exp = v.parse().ok(),
            "scope" => scope = Some(v.into_owned()),
            "sig" => sig = Some(v.into_owned()),
            _ => {}
        }
    }
    Some(Link {
        exp: exp?,
        scope: scope?,
        sig: sig?,
    })
}

fn link_from_cookie(req: &Request) -> Option<Link> {
    let cookies = header(req, "Cookie")?;
    let value = cookies
        .split(';')
        .find_map(|c| c.trim().strip_prefix(&format!("{COOKIE}=")).map(str::to_owned))?;
    // exp.scope.sig, where the scope may itself contain dots.
    let (exp, rest) = value.split_once('.')?;
    let (scope, sig) = rest.rsplit_once('.')?;
    Some(Link {
        exp: exp.parse().ok()?,
        scope: scope.replace('!', "/"),
        sig: sig.to_owned(),
    })
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

fn plain(status: u16, message: &str) -> worker::Result<Response> {
    let mut response = Response::from_json(&serde_json::json!({ "error": message }))?.with_status(status);
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}
