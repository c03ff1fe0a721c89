//! Tokens in cookies with CSRF double submit, as in Flask-JWT-Extended's
//! "JWT in cookies" example, plus a small page to try it in a browser.
//!
//! ```sh
//! cargo run --example cookies
//! # then open http://127.0.0.1:5000/ — or, with curl:
//! curl -i -c jar -H "Content-Type: application/json" \
//!      -d '{"username":"test","password":"test"}' http://127.0.0.1:5000/login
//! curl -b jar http://127.0.0.1:5000/api/me
//! curl -b jar -X POST http://127.0.0.1:5000/api/update        # 401: Missing CSRF token
//! curl -b jar -X POST -H "X-CSRF-TOKEN: $(awk '/csrf_access_token/ {print $7}' jar)" \
//!      http://127.0.0.1:5000/api/update
//! ```
//!
//! Routes:
//! * `GET /`: the page (no external assets).
//! * `POST /login` with `{"username": "test", "password": "test"}`: 200
//!   `{"login": true}` and the access, refresh and two CSRF cookies; other
//!   credentials get 401.
//! * `GET /api/me`: 200 `{"user": "test"}`.
//! * `POST /api/update`: 200 `{"updated": true}`; needs the `X-CSRF-TOKEN`
//!   header (the value of the `csrf_access_token` cookie).
//! * `POST /refresh`: with the refresh cookie and the `csrf_refresh_token`
//!   value in `X-CSRF-TOKEN`, new access cookies and 200 `{"refresh": true}`.
//! * `POST /logout`: unsets every cookie, 200 `{"logout": true}`.
//!
//! Tokens are read from cookies only, and the cookies are `SameSite=Lax`
//! unless JWT_COOKIE_SAMESITE says otherwise. Other `JWT_*` variables apply
//! (e.g. `JWT_COOKIE_SECURE=true` behind HTTPS); `PORT` changes the port
//! (5000).

use actix_jwt_extended::{
    CookieOptions, ImplicitRefresh, JwtManager, JwtManagerBuilder, Rejection, TokenLocation,
    jwt_refresh_required, jwt_required,
};
use actix_web::cookie::SameSite;
use actix_web::{App, HttpResponse, HttpServer, get, post, web};
use serde::Deserialize;
use serde_json::json;

/// Checks the credentials and sets the four cookies.
#[post("/login")]
async fn login(jwt: JwtManager, body: web::Json<Credentials>) -> Result<HttpResponse, Rejection> {
    if !body.are("test", "test") {
        return Ok(HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"})));
    }
    let access = jwt.create_access_token("test")?;
    let refresh_token = jwt.create_refresh_token("test")?;
    let mut response = HttpResponse::Ok();
    jwt.set_access_cookies(&mut response, &access, CookieOptions::new())?;
    jwt.set_refresh_cookies(&mut response, &refresh_token, CookieOptions::new())?;
    Ok(response.json(json!({"login": true})))
}

/// Who am I? GET needs no CSRF value.
#[get("/api/me")]
#[jwt_required]
async fn me() -> HttpResponse {
    HttpResponse::Ok().json(json!({"user": current_token.identity()}))
}

/// A state-changing request: the CSRF double submit is enforced.
#[post("/api/update")]
#[jwt_required]
async fn update() -> HttpResponse {
    HttpResponse::Ok().json(json!({"updated": true}))
}

/// Exchanges the refresh cookie for new access cookies.
#[post("/refresh")]
#[jwt_refresh_required]
async fn refresh(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    let access = jwt.create_access_token(current_token.identity())?;
    let mut response = HttpResponse::Ok();
    jwt.set_access_cookies(&mut response, &access, CookieOptions::new())?;
    Ok(response.json(json!({"refresh": true})))
}

/// Unsets every cookie.
#[post("/logout")]
async fn logout(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    let mut response = HttpResponse::Ok();
    jwt.unset_jwt_cookies(&mut response, None)?;
    Ok(response.json(json!({"logout": true})))
}

/// The page: a login form and one button per route; it shows each response.
#[get("/")]
async fn index(jwt: JwtManager) -> HttpResponse {
    let config = jwt.config();
    let names = json!({
        "accessCsrfCookie": config.access_csrf_cookie_name,
        "refreshCsrfCookie": config.refresh_csrf_cookie_name,
        "accessCsrfHeader": config.access_csrf_header_name,
        "refreshCsrfHeader": config.refresh_csrf_header_name,
    });
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(PAGE.replace("/*NAMES*/{}", &names.to_string()))
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>actix-jwt-extended: JWT in cookies</title>
<style>
  body { font-family: sans-serif; max-width: 40em; margin: 2em auto; }
  fieldset { margin-bottom: 1em; }
  button { margin: 0.2em; }
  pre { background: #f4f4f4; padding: 0.5em; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>JWT in cookies</h1>
<form id="login-form">
  <fieldset>
    <legend>Log in (test / test)</legend>
    <label>Username <input id="username" name="username" value="test"></label>
    <label>Password <input id="password" name="password" type="password" value="test"></label>
    <button id="login" type="submit">Log in</button>
  </fieldset>
</form>
<fieldset>
  <legend>API</legend>
  <button id="call-api" type="button">Call API</button>
  <button id="update" type="button">Update</button>
  <button id="update-no-csrf" type="button">Update without CSRF</button>
  <button id="refresh" type="button">Refresh</button>
  <button id="logout" type="button">Logout</button>
</fieldset>
<p>Last response:</p>
<pre id="output" data-status="" data-done="true"></pre>
<p>Cookies visible to JavaScript:</p>
<pre id="cookies"></pre>
<script>
const NAMES = /*NAMES*/{};
const output = document.getElementById("output");
const cookies = document.getElementById("cookies");

function cookie(name) {
  for (const part of document.cookie.split("; ")) {
    const eq = part.indexOf("=");
    if (part.slice(0, eq) === name) return decodeURIComponent(part.slice(eq + 1));
  }
  return "";
}

function showCookies() {
  cookies.textContent = document.cookie || "(none)";
}

async function send(label, method, url, headers, body) {
  output.dataset.done = "false";
  output.dataset.status = "";
  output.textContent = label + ": …";
  try {
    const response = await fetch(url, { method, headers, body, credentials: "same-origin" });
    const text = await response.text();
    output.dataset.status = String(response.status);
    output.textContent = label + ": " + response.status + " " + text;
  } catch (error) {
    output.dataset.status = "error";
    output.textContent = label + ": " + error;
  }
  showCookies();
  output.dataset.done = "true";
}

document.getElementById("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const username = document.getElementById("username").value;
  const password = document.getElementById("password").value;
  send("Log in", "POST", "/login", { "Content-Type": "application/json" },
       JSON.stringify({ username, password }));
});
document.getElementById("call-api").addEventListener("click", () =>
  send("Call API", "GET", "/api/me", {}));
document.getElementById("update").addEventListener("click", () =>
  send("Update", "POST", "/api/update",
       { [NAMES.accessCsrfHeader]: cookie(NAMES.accessCsrfCookie) }));
document.getElementById("update-no-csrf").addEventListener("click", () =>
  send("Update without CSRF", "POST", "/api/update", {}));
document.getElementById("refresh").addEventListener("click", () =>
  send("Refresh", "POST", "/refresh",
       { [NAMES.refreshCsrfHeader]: cookie(NAMES.refreshCsrfCookie) }));
document.getElementById("logout").addEventListener("click", () =>
  send("Logout", "POST", "/logout", {}));
showCookies();
</script>
</body>
</html>
"#;

/// The demo's manager: `JWT_*` variables, tokens in cookies only, and a
/// development secret when JWT_SECRET_KEY is not set.
pub fn jwt_manager() -> std::io::Result<JwtManager> {
    let mut builder = settings()?.token_location([TokenLocation::Cookies]);
    if std::env::var_os("JWT_COOKIE_SAMESITE").is_none() {
        builder = builder.cookie_samesite(Some(SameSite::Lax));
    }
    builder.build().map_err(std::io::Error::other)
}

/// Registers the demo's routes (the manager goes in `App::app_data`).
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(index)
        .service(login)
        .service(me)
        .service(update)
        .service(refresh)
        .service(logout);
}

/// Serves the demo on `listener`: the routes, the manager and the
/// implicit-refresh middleware.
pub fn serve(
    listener: std::net::TcpListener,
    jwt: JwtManager,
) -> std::io::Result<actix_web::dev::Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(jwt.clone())
            .wrap(ImplicitRefresh::new())
            .configure(routes)
    })
    .listen(listener)?
    .run())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    init_logging();
    let jwt = jwt_manager()?;
    let port = port();
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    println!("Listening on http://127.0.0.1:{port}");
    serve(listener, jwt)?.await
}

/// The JSON body of `POST /login`.
#[derive(Debug, Deserialize)]
struct Credentials {
    username: Option<String>,
    password: Option<String>,
}

impl Credentials {
    /// Whether both fields are present and equal these values.
    fn are(&self, username: &str, password: &str) -> bool {
        self.username.as_deref() == Some(username) && self.password.as_deref() == Some(password)
    }
}

/// `JWT_*` settings from the environment, with a development secret (and a
/// warning) when JWT_SECRET_KEY is not set.
fn settings() -> std::io::Result<JwtManagerBuilder> {
    let builder = JwtManagerBuilder::from_env().map_err(std::io::Error::other)?;
    if std::env::var_os("JWT_SECRET_KEY").is_some() {
        return Ok(builder);
    }
    eprintln!("WARNING: JWT_SECRET_KEY is not set; using a development secret.");
    Ok(builder.secret_key("super-secret-development-key"))
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// `PORT`, or 5000 as in the Flask examples.
fn port() -> u16 {
    std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(5000)
}
