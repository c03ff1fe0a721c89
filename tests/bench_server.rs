//! The benchmark server (`examples/bench_server.rs`) serves every endpoint
//! the benchmark scripts measure, each protected as its name says, so that a
//! benchmark run never compares rejections.

use actix_jwt_extended_examples::ExampleServer;
use serde_json::{Value, json};

/// Every endpoint of `scripts/load_bench.sh` and `scripts/instructions.sh`.
const PROTECTED: [&str; 12] = [
    "hs256",
    "hs256-cache",
    "hs256-cache-unchecked",
    "rs256",
    "rs256-cache",
    "rs256-cache-unchecked",
    "es256",
    "es256-cache",
    "eddsa",
    "eddsa-cache",
    "handwritten/hs256",
    "handwritten/rs256",
];

async fn get(client: &awc::Client, url: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let mut response = request.send().await.expect("the server answers");
    let body = response.body().await.expect("a body");
    (
        response.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

#[actix_web::test]
async fn every_benchmarked_endpoint_answers_its_own_token_and_refuses_others() {
    let server = ExampleServer::start("bench_server", &[]);
    let client = awc::Client::default();
    let hello = json!({ "hello": "alice" });
    assert_eq!(
        get(&client, &server.url("/plain"), None).await,
        (200, hello.clone())
    );

    let mut tokens = Vec::new();
    for endpoint in PROTECTED {
        let mut response = client
            .get(server.url(&format!("/token/{endpoint}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "a token for {endpoint}");
        let token = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
        tokens.push((endpoint, token));
    }
    for (endpoint, token) in &tokens {
        let url = server.url(&format!("/{endpoint}"));
        // Twice: the second request is a cache hit where the cache is on.
        for _ in 0..2 {
            assert_eq!(
                get(&client, &url, Some(token)).await,
                (200, hello.clone()),
                "{endpoint}"
            );
        }
        let (status, _) = get(&client, &url, None).await;
        assert_eq!(status, 401, "{endpoint} without a token");
    }
    // An HS256 token is refused by the other algorithms' endpoints, and a
    // tampered copy of a cached token is verified (and refused) in full.
    let hs256 = &tokens[0].1;
    for endpoint in ["rs256", "rs256-cache", "es256-cache", "eddsa-cache"] {
        let (status, body) = get(&client, &server.url(&format!("/{endpoint}")), Some(hs256)).await;
        assert_eq!(
            (status, body),
            (
                422,
                json!({ "msg": "The specified alg value is not allowed" })
            ),
            "{endpoint}"
        );
    }
    let cached = &tokens[1].1;
    // The first character of the signature carries six bits of it.
    let (signed, signature) = cached.rsplit_once('.').unwrap();
    let first = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{signed}.{first}{}", &signature[1..]);
    let (status, body) = get(&client, &server.url("/hs256-cache"), Some(&tampered)).await;
    assert_eq!(
        (status, body),
        (422, json!({ "msg": "Signature verification failed" }))
    );
}
