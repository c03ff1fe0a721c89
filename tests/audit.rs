//! Audit events: a scripted sequence of requests and manager calls gives one
//! event per decision (through the hook, `tracing` and the metrics), the
//! counters and histogram read back from metrics-util's debugging recorder,
//! and no event holds a token.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use actix_jwt_extended::revocation::{RevocationStore, StoreError, TokenKey, TokenStatus};
use actix_jwt_extended::{
    AuditEvent, JwtManager, JwtManagerBuilder, JwtRequired, Rejection, jwt_refresh_required,
    jwt_required, metrics as names, require_token,
};
use actix_jwt_extended_examples::{hs256, hs256_token, now};
use actix_web::test as service;
use actix_web::{App, HttpResponse, get, post, web};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use serde_json::json;
use tracing_subscriber::layer::{Context, SubscriberExt};

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/scoped")]
#[require_token(scope = ["write"])]
async fn scoped() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[post("/rotate")]
#[jwt_refresh_required]
async fn rotate(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    Ok(HttpResponse::Ok().json(jwt.rotate_refresh_token(&current_token).await?))
}

/// A revocation store that never answers.
struct DownStore;

impl RevocationStore for DownStore {
    async fn revoke(&self, _: &str, _: Option<i64>) -> Result<(), StoreError> {
        Err(StoreError::new("the store is down"))
    }
    async fn revoke_family(&self, _: &str, _: Option<i64>) -> Result<(), StoreError> {
        Err(StoreError::new("the store is down"))
    }
    async fn revoke_issued_before(
        &self,
        _: &str,
        _: i64,
        _: Option<i64>,
    ) -> Result<(), StoreError> {
        Err(StoreError::new("the store is down"))
    }
    async fn exchange(&self, _: &str, _: Option<i64>) -> Result<bool, StoreError> {
        Err(StoreError::new("the store is down"))
    }
    async fn status(&self, _: &TokenKey<'_>) -> Result<TokenStatus, StoreError> {
        Err(StoreError::new("the store is down"))
    }
}

/// What the script did and saw.
struct Run {
    /// Every token it created or sent.
    tokens: Vec<String>,
    /// The names of the events it expects, in order.
    expected: Vec<&'static str>,
    /// The events the hook received: name and `Debug` text.
    events: Vec<(&'static str, String)>,
}

type Events = Arc<Mutex<Vec<(&'static str, String)>>>;

fn with_hook(builder: JwtManagerBuilder, events: &Events) -> JwtManager {
    let events = Arc::clone(events);
    builder
        .audit_hook(move |event: &AuditEvent<'_>| {
            events
                .lock()
                .unwrap()
                .push((event.name(), format!("{event:?}")));
        })
        .build()
        .unwrap()
}

/// Runs the requests and calls; each step notes the events it expects.
async fn script() -> Run {
    let events = Events::default();
    let jwt = with_hook(hs256(), &events);
    let app = service::init_service(
        App::new()
            .app_data(jwt.clone())
            .service(protected)
            .service(scoped)
            .service(rotate),
    )
    .await;
    let mut tokens = Vec::new();
    let mut expected = Vec::new();
    macro_rules! call {
        ($app:expr, $method:ident $uri:literal, $token:expr => $status:literal, [$($event:literal),*]) => {{
            let mut req = service::TestRequest::$method().uri($uri);
            if let Some(token) = $token {
                let token: &String = token;
                tokens.push(token.clone());
                req = req.insert_header(("Authorization", format!("Bearer {token}")));
            }
            let response = service::call_service(&$app, req.to_request()).await;
            assert_eq!(response.status(), $status, "{} {}", stringify!($method), $uri);
            expected.extend([$($event),*]);
        }};
    }

    let access = jwt.create_access_token("alice").unwrap();
    let pair = jwt.create_token_pair("bob").unwrap();
    expected.extend(["issued", "issued", "issued"]);
    let expired = hs256_token(&json!({"sub": "alice", "type": "access", "exp": now() - 5}));
    call!(app, get "/protected", Some(&access) => 200, ["accepted"]);
    call!(app, get "/protected", None::<&String> => 401, ["rejected"]);
    call!(app, get "/protected", Some(&expired) => 401, ["rejected"]);
    call!(app, get "/protected", Some(&pair.refresh_token) => 422, ["rejected"]);
    call!(app, get "/scoped", Some(&access) => 403, ["rejected"]);
    call!(app, post "/rotate", Some(&pair.refresh_token) => 200, ["accepted", "issued", "issued"]);
    call!(app, post "/rotate", Some(&pair.refresh_token) => 401, ["refresh_reused", "rejected"]);
    jwt.revoke_token(&jwt.decode_token(&access).unwrap())
        .await
        .unwrap();
    expected.push("revoked");
    call!(app, get "/protected", Some(&access) => 401, ["rejected"]);
    jwt.revoke_all_tokens("bob").await.unwrap();
    expected.push("revoked");

    // The store is down: fail closed, then open.
    let closed = with_hook(hs256().revocation_store(DownStore), &events);
    let app = service::init_service(App::new().app_data(closed.clone()).service(protected)).await;
    let token = closed.create_access_token("carol").unwrap();
    expected.push("issued");
    call!(app, get "/protected", Some(&token) => 503, ["revocation_unavailable", "rejected"]);
    let decoded = closed.decode_token(&token).unwrap();
    assert!(closed.revoke_token(&decoded).await.is_err());
    expected.push("revocation_unavailable");
    let open = with_hook(
        hs256()
            .revocation_store(DownStore)
            .revocation_fail_open(true),
        &events,
    );
    let app = service::init_service(App::new().app_data(open.clone()).service(protected)).await;
    let token = open.create_access_token("dave").unwrap();
    expected.push("issued");
    call!(app, get "/protected", Some(&token) => 200, ["revocation_unavailable", "accepted"]);

    tokens.extend([access, pair.access_token, pair.refresh_token]);
    let events = events.lock().unwrap().clone();
    Run {
        tokens,
        expected,
        events,
    }
}

#[actix_web::test]
async fn one_event_per_decision_reaches_the_hook() {
    traced();
    let run = script().await;
    let names: Vec<&str> = run.events.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, run.expected);
}

/// A handler inside a `JwtRequired` scope reuses the middleware's
/// verification: one acceptance for the request, not two. A requirement the
/// handler adds and the token fails is the handler's own rejection.
#[actix_web::test]
async fn a_guarded_scope_and_its_handler_accept_once() {
    let events = Events::default();
    let jwt = with_hook(hs256(), &events);
    let app = service::init_service(
        App::new().app_data(jwt.clone()).service(
            web::scope("/api")
                .wrap(JwtRequired::new())
                .service(protected)
                .service(scoped),
        ),
    )
    .await;
    let access = jwt.create_access_token("alice").unwrap();
    let mut expected = vec!["issued"];
    for (uri, status, decisions) in [
        ("/api/protected", 200, &["accepted"][..]),
        ("/api/scoped", 403, &["accepted", "rejected"][..]),
    ] {
        let req = service::TestRequest::get()
            .uri(uri)
            .insert_header(("Authorization", format!("Bearer {access}")))
            .to_request();
        let response = service::call_service(&app, req).await;
        assert_eq!(response.status(), status, "{uri}");
        expected.extend(decisions);
    }
    let names: Vec<&str> = events
        .lock()
        .unwrap()
        .iter()
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(names, expected);
}

/// A metric as read back: name and sorted labels.
type Series = (String, Vec<(String, String)>);

#[actix_web::test]
async fn every_counter_and_the_histogram_after_a_scripted_sequence() {
    traced();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let recorded = {
        let _local = metrics::set_default_local_recorder(&recorder);
        names::describe();
        script().await;
        snapshotter.snapshot().into_vec()
    };
    let mut counters: BTreeMap<Series, u64> = BTreeMap::new();
    let mut histograms: BTreeMap<Series, usize> = BTreeMap::new();
    let mut described = Vec::new();
    for (key, _unit, description, value) in recorded {
        let key = key.key();
        let mut labels: Vec<(String, String)> = key
            .labels()
            .map(|l| (l.key().to_owned(), l.value().to_owned()))
            .collect();
        labels.sort();
        let series = (key.name().to_owned(), labels);
        if description.is_some() {
            described.push(series.0.clone());
        }
        match value {
            DebugValue::Counter(count) => {
                counters.insert(series, count);
            }
            DebugValue::Histogram(values) => {
                assert!(values.iter().all(|v| v.0 >= 0.0 && v.0 < 5.0), "{values:?}");
                histograms.insert(series, values.len());
            }
            DebugValue::Gauge(_) => panic!("no gauge is expected: {series:?}"),
        }
    }
    let series = |name: &str, labels: &[(&str, &str)]| -> Series {
        let mut labels: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        labels.sort();
        (name.to_owned(), labels)
    };
    let rejected = |reason, token_type| {
        series(
            names::REQUESTS_REJECTED,
            &[("reason", reason), ("token_type", token_type)],
        )
    };
    let expected_counters = BTreeMap::from([
        (series(names::TOKENS_ISSUED, &[("token_type", "access")]), 5),
        (
            series(names::TOKENS_ISSUED, &[("token_type", "refresh")]),
            2,
        ),
        (
            series(names::REQUESTS_ACCEPTED, &[("token_type", "access")]),
            2,
        ),
        (
            series(names::REQUESTS_ACCEPTED, &[("token_type", "refresh")]),
            1,
        ),
        (rejected("unauthorized", "access"), 1),
        (rejected("expired", "access"), 1),
        (rejected("invalid", "refresh"), 1),
        (rejected("missing_scope", "access"), 1),
        (rejected("revoked", "refresh"), 1),
        (rejected("revoked", "access"), 1),
        (rejected("unavailable", "access"), 1),
        (series(names::REVOCATIONS, &[("target", "token")]), 1),
        (series(names::REVOCATIONS, &[("target", "identity")]), 1),
        (series(names::REFRESH_REUSE, &[]), 1),
        (
            series(
                names::REVOCATION_UNAVAILABLE,
                &[("operation", "check"), ("fail_open", "false")],
            ),
            1,
        ),
        (
            series(
                names::REVOCATION_UNAVAILABLE,
                &[("operation", "check"), ("fail_open", "true")],
            ),
            1,
        ),
        (
            series(
                names::REVOCATION_UNAVAILABLE,
                &[("operation", "revoke"), ("fail_open", "false")],
            ),
            1,
        ),
    ]);
    assert_eq!(counters, expected_counters);
    let timed = |outcome, token_type| {
        series(
            names::VERIFICATION_SECONDS,
            &[("outcome", outcome), ("token_type", token_type)],
        )
    };
    let expected_histograms = BTreeMap::from([
        (timed("accepted", "access"), 2),
        (timed("accepted", "refresh"), 1),
        (timed("rejected", "access"), 5),
        (timed("rejected", "refresh"), 2),
    ]);
    assert_eq!(histograms, expected_histograms);
    for name in [
        names::TOKENS_ISSUED,
        names::REQUESTS_REJECTED,
        names::VERIFICATION_SECONDS,
    ] {
        assert!(described.iter().any(|d| d == name), "{name} is described");
    }
}

/// Every `tracing` event of the test binary, as text.
fn traced() -> &'static Mutex<Vec<String>> {
    static TRACED: OnceLock<&'static Mutex<Vec<String>>> = OnceLock::new();
    TRACED.get_or_init(|| {
        let traced: &'static Mutex<Vec<String>> = Box::leak(Box::default());
        let subscriber = tracing_subscriber::registry().with(Collect(traced));
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        traced
    })
}

struct Collect(&'static Mutex<Vec<String>>);

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Collect {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut text = format!("{} {}", event.metadata().level(), event.metadata().target());
        event.record(&mut Fields(&mut text));
        self.0.lock().unwrap().push(text);
    }
}

#[actix_web::test]
async fn no_event_holds_a_token() {
    let traced = traced();
    let run = script().await;
    let traced = traced.lock().unwrap().clone();
    for name in [
        "issued",
        "accepted",
        "rejected",
        "revoked",
        "refresh_reused",
        "revocation_unavailable",
    ] {
        let field = format!("event={name:?}");
        assert!(
            traced.iter().any(|text| text.contains(&field)),
            "no {name} event was traced: {traced:#?}"
        );
        assert!(
            run.events.iter().any(|(event, _)| *event == name),
            "no {name} event reached the hook"
        );
    }
    let texts = traced.iter().chain(run.events.iter().map(|(_, text)| text));
    for text in texts {
        for token in &run.tokens {
            let signature = token.rsplit('.').next().unwrap();
            let payload = token.split('.').nth(1).unwrap();
            assert!(
                !text.contains(signature) && !text.contains(payload),
                "an event holds a token: {text}"
            );
        }
    }
}
