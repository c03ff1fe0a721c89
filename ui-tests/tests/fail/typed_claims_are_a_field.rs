use actix_jwt_extended::TypedToken;

#[derive(serde::Deserialize)]
struct Claims {
    role: String,
}

// The typed claims are the field `typed`; `claims()` is the JSON map of
// every token, typed or not.
async fn handler(token: TypedToken<Claims>) -> String {
    token.claims().role.clone()
}

fn main() {
    let _ = handler;
}
