//! The extractors: [`CurrentToken`], [`TypedToken`], [`CurrentUser`] and
//! [`JwtManager`] itself. The first three verify through the one pipeline,
//! as the attribute macros do.

use std::any::{Any, type_name};
use std::future::{Future, Ready, ready};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::JwtError;
use crate::manager::JwtManager;
use crate::pipeline;
use crate::pipeline::Verified;
use crate::rejection::Rejection;
use crate::token::{CurrentToken, CurrentUser, TypedToken};
use crate::verify_options::VerifyOptions;

/// A handler parameter that requires a valid access (non-refresh) token —
/// the extractor form of `#[jwt_required]`, for handlers that prefer a
/// visible parameter:
///
/// ```
/// use actix_jwt_extended::CurrentToken;
/// use actix_web::HttpResponse;
///
/// async fn me(token: CurrentToken) -> HttpResponse {
///     HttpResponse::Ok().json(serde_json::json!({ "user": token.identity() }))
/// }
/// ```
impl FromRequest for CurrentToken {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let verification = pipeline::verify(req, Some(payload), VerifyOptions::new());
        Box::pin(async move {
            let verification = verification.await?;
            verification.accept();
            Ok(match verification.verified {
                Verified::Token(token) => token,
                Verified::Anonymous | Verified::Preflight => CurrentToken::preflight(),
            })
        })
    }
}

/// A handler parameter that requires a valid access token whose claims
/// deserialise into `C` (422 naming the claim otherwise) — the extractor form
/// of `#[require_token(claims = C)]`.
impl<C: DeserializeOwned + 'static> FromRequest for TypedToken<C> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let verification = pipeline::verify(req, Some(payload), VerifyOptions::new());
        Box::pin(async move {
            let verification = verification.await?;
            let typed = match verification.verified.token() {
                Some(token) => TypedToken::from_current(token),
                None => TypedToken::from_current(&CurrentToken::preflight()),
            };
            match typed {
                Ok(typed) => {
                    verification.accept();
                    Ok(typed)
                }
                Err(error) => Err(verification.refuse(error).into()),
            }
        })
    }
}

/// The user of a valid access token, loaded by the manager's
/// `user_lookup_loader` — the extractor form of Flask's `current_user`.
/// (In a handler protected by an attribute, declare a `current_user:
/// CurrentUser<User>` parameter instead: the attribute binds it without
/// verifying twice.)
impl<U: Any + Send + Sync> FromRequest for CurrentUser<U> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let verification = pipeline::verify(req, Some(payload), VerifyOptions::new());
        Box::pin(async move {
            let verification = verification.await?;
            match verification
                .verified
                .token()
                .and_then(CurrentToken::user::<U>)
            {
                Some(user) => {
                    verification.accept();
                    Ok(user)
                }
                None => {
                    let error = JwtError::UserLoaderMissing(type_name::<U>());
                    Err(verification.refuse(error).into())
                }
            }
        })
    }
}

/// The manager is itself an extractor, for login handlers that create tokens:
/// `async fn login(jwt: JwtManager, …)`.
impl FromRequest for JwtManager {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            JwtManager::from_app(req)
                .cloned()
                .ok_or_else(|| Rejection::from(JwtError::ManagerMissing).into()),
        )
    }
}
