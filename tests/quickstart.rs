//! The quickstart example answers the Flask-JWT-Extended seed's curl
//! transcript: the example is started with `cargo run --example quickstart`
//! (README's command) on a free port and spoken to over real HTTP.

use actix_jwt_extended_examples::ExampleServer;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

async fn request(req: awc::ClientRequest, body: Option<Value>) -> (u16, Value) {
    let mut resp = match body {
        Some(body) => req.send_json(&body).await,
        None => req.send().await,
    }
    .expect("request");
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().await.expect("JSON body");
    (status, body)
}

fn claims(token: &str) -> serde_json::Map<String, Value> {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[actix_web::test]
async fn seed_transcript() {
    let server = ExampleServer::start("quickstart", &[]);
    let client = awc::Client::default();
    let url = |path: &str| server.url(path);

    // $ curl http://localhost:5000/protected
    let (status, body) = request(client.get(url("/protected")), None).await;
    assert_eq!(
        (status, body),
        (401, json!({"msg": "Missing Authorization Header"}))
    );

    // $ curl -H "Content-Type: application/json" -X POST -d '{…}' …/login
    let (status, body) = request(
        client.post(url("/login")),
        Some(json!({"username": "test", "password": "test"})),
    )
    .await;
    assert_eq!(status, 200);
    let token = body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    assert_eq!(body.as_object().unwrap().len(), 1);

    // The Flask-JWT-Extended 4.x claim set, in its order, 15 minutes long.
    let claims = claims(&token);
    let keys: Vec<&str> = claims.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["fresh", "iat", "jti", "type", "sub", "nbf", "csrf", "exp"]
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );
    assert_eq!(claims["sub"], "test");
    assert_eq!(claims["type"], "access");
    assert_eq!(claims["fresh"], false);

    // $ curl -H "Authorization: Bearer $ACCESS" …/protected
    let (status, body) = request(
        client
            .get(url("/protected"))
            .insert_header(("Authorization", format!("Bearer {token}"))),
        None,
    )
    .await;
    assert_eq!((status, body), (200, json!({"hello": "world"})));

    // Either credential wrong is a 401 (the seed's `and` is a bug).
    for (user, pass) in [("test", "nope"), ("nope", "test"), ("nope", "nope")] {
        let (status, body) = request(
            client.post(url("/login")),
            Some(json!({"username": user, "password": pass})),
        )
        .await;
        assert_eq!(
            (status, body),
            (401, json!({"msg": "Bad username or password"}))
        );
    }
}
