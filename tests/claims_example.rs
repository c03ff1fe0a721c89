//! `examples/claims.rs` behaves as documented for alice, bob, and for
//! missing or invalid tokens — over real HTTP against the running example.

use actix_jwt_extended_examples::ExampleServer;
use serde_json::{Value, json};

struct Client {
    server: ExampleServer,
    http: awc::Client,
}

impl Client {
    async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = self.server.url(path);
        let mut req = match method {
            "POST" => self.http.post(url),
            _ => self.http.get(url),
        };
        if let Some(token) = token {
            req = req.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let mut resp = match body {
            Some(body) => req.send_json(&body).await,
            None => req.send().await,
        }
        .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("JSON body"))
    }

    async fn login(&self, user: &str) -> (String, String) {
        let (status, body) = self
            .send(
                "POST",
                "/login",
                None,
                Some(json!({"username": user, "password": "test"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        (
            body["access_token"].as_str().unwrap().to_owned(),
            body["refresh_token"].as_str().unwrap().to_owned(),
        )
    }
}

#[actix_web::test]
async fn every_route_for_alice_bob_and_strangers() {
    let c = Client {
        server: ExampleServer::start("claims", &[]),
        http: awc::Client::default(),
    };
    let (alice, alice_refresh) = c.login("alice").await;
    let (bob, _) = c.login("bob").await;
    let forbidden_claims = json!({"msg": "Missing required claim(s)"});
    let forbidden_scope = json!({"msg": "Missing required scope(s)"});

    for (user, password) in [("alice", "nope"), ("carol", "test")] {
        let answer = c
            .send(
                "POST",
                "/login",
                None,
                Some(json!({"username": user, "password": password})),
            )
            .await;
        assert_eq!(answer, (401, json!({"msg": "Bad username or password"})));
    }

    assert_eq!(
        c.send("GET", "/users/alice", Some(&alice), None).await,
        (200, json!({"username": "alice"}))
    );
    assert_eq!(
        c.send("GET", "/users/alice", Some(&bob), None).await,
        (403, forbidden_claims.clone())
    );
    assert_eq!(
        c.send("GET", "/users/bob", Some(&bob), None).await,
        (200, json!({"username": "bob"}))
    );

    assert_eq!(
        c.send("GET", "/admin", Some(&alice), None).await,
        (200, json!({"msg": "Hello admin!"}))
    );
    assert_eq!(
        c.send("GET", "/admin", Some(&bob), None).await,
        (403, forbidden_scope.clone())
    );
    assert_eq!(c.send("GET", "/perms", Some(&alice), None).await.0, 200);
    assert_eq!(
        c.send("GET", "/perms", Some(&bob), None).await,
        (403, forbidden_scope)
    );
    assert_eq!(c.send("GET", "/team", Some(&alice), None).await.0, 200);
    assert_eq!(
        c.send("GET", "/team", Some(&bob), None).await,
        (403, forbidden_claims)
    );

    let (status, info) = c.send("GET", "/token/info", Some(&alice), None).await;
    assert_eq!(status, 200);
    assert_eq!(info["token_type"], "access");
    assert_eq!(info["sub"], "alice");
    assert_eq!(
        info["scope"],
        json!({"admin": true, "perms": ["read", "write", "delete"]})
    );
    assert_eq!(info["claims"]["team"], "blue");
    assert_eq!(info["is_signed"], true);
    assert_eq!(info["signed"], alice.as_str());

    assert_eq!(
        c.send("GET", "/me", Some(&alice), None).await,
        (200, json!({"username": "alice", "team": "blue"}))
    );
    assert_eq!(
        c.send("GET", "/me", Some(&bob), None).await,
        (200, json!({"username": "bob", "team": "red"}))
    );

    let (status, body) = c.send("POST", "/refresh", Some(&alice_refresh), None).await;
    assert_eq!(status, 200);
    let renewed = body["access_token"].as_str().unwrap().to_owned();
    let (_, info) = c.send("GET", "/token/info", Some(&renewed), None).await;
    assert_eq!(info["claims"]["fresh"], false);
    assert_eq!(c.send("GET", "/admin", Some(&renewed), None).await.0, 200);
    assert_eq!(
        c.send("POST", "/refresh", Some(&alice), None).await,
        (422, json!({"msg": "Only refresh tokens are allowed"}))
    );

    // Missing and invalid tokens on every protected route.
    for (method, path) in [
        ("GET", "/users/alice"),
        ("GET", "/admin"),
        ("GET", "/perms"),
        ("GET", "/team"),
        ("GET", "/token/info"),
        ("POST", "/refresh"),
        ("GET", "/me"),
    ] {
        assert_eq!(
            c.send(method, path, None, None).await,
            (401, json!({"msg": "Missing Authorization Header"})),
            "{path}"
        );
        assert_eq!(
            c.send(method, path, Some("not.a.token"), None).await,
            (422, json!({"msg": "Invalid header padding"})),
            "{path}"
        );
    }
}
