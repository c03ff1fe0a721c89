//! [`JwtRequired`]: the attributes' protection for a whole `web::scope` (or
//! app, or resource), as a middleware.

use std::future::{Ready, ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{Error, ResponseError};
use futures_util::future::LocalBoxFuture;
use serde_json::Value;

use crate::config::TokenLocation;
use crate::error::JwtError;
use crate::pipeline::{self, Verified};
use crate::rejection::Rejection;
use crate::requirements;
use crate::token::CurrentToken;
use crate::verify_options::VerifyOptions;

/// Middleware that protects every route it wraps as `#[jwt_required]` (or
/// `#[require_token]`) protects one handler: the same options, the same
/// pipeline, the same responses — for actix-web-httpauth users, the
/// `HttpAuthentication` of JWTs.
///
/// ```
/// use actix_jwt_extended::{JwtManager, JwtRequired, get_current_token};
/// use actix_web::{App, HttpRequest, HttpResponse, web};
/// use serde_json::json;
///
/// async fn dashboard(req: HttpRequest) -> HttpResponse {
///     let token = get_current_token(&req).expect("verified by the scope");
///     HttpResponse::Ok().json(json!({ "admin": token.identity() }))
/// }
///
/// let jwt = JwtManager::builder().secret_key("change me").build().unwrap();
/// let app = App::new().app_data(jwt.clone()).service(
///     web::scope("/admin")
///         .wrap(JwtRequired::new().fresh(true).claim_one_of("role", ["admin", "owner"]))
///         .route("/dashboard", web::get().to(dashboard)),
/// );
/// # let _ = app;
/// ```
///
/// Handlers inside the scope read the token with
/// [`get_current_token`](crate::get_current_token), the
/// [`CurrentToken`] extractor or their own attribute: a later verification
/// of the same request reuses the token when it looks for the same kind in
/// an allowed location (only the type and freshness checks run again), so
/// the loaders (the user lookup, …) run once.
///
/// Requirements are checked after the token is verified, as
/// `#[require_token]` does: unmet claims give 403 `Missing required
/// claim(s)`, an unmet scope 403 `Missing required scope(s)` (with
/// `error="insufficient_scope", scope="…"` under JWT_WWW_AUTHENTICATE=bearer).
/// A CORS preflight (`OPTIONS`) goes through unverified, and with
/// `optional(true)` so does a request without a token.
#[derive(Debug, Clone)]
#[must_use]
pub struct JwtRequired {
    options: VerifyOptions,
    rules: Arc<Rules>,
}

/// The claim and scope requirements.
#[derive(Debug, Default, Clone)]
struct Rules {
    /// Each claim (by name) and the values it may satisfy.
    claims: Vec<(String, Vec<Value>)>,
    scope: Option<Value>,
}

impl Default for JwtRequired {
    fn default() -> Self {
        Self::new()
    }
}

impl From<VerifyOptions> for JwtRequired {
    fn from(options: VerifyOptions) -> Self {
        Self {
            options,
            rules: Arc::default(),
        }
    }
}

impl JwtRequired {
    /// `#[jwt_required]`: any valid access (non-refresh) token.
    pub fn new() -> Self {
        Self::from(VerifyOptions::new())
    }

    /// `optional`: let requests without any token through (a present but
    /// bad token is still rejected).
    pub fn optional(mut self, on: bool) -> Self {
        self.options = self.options.optional(on);
        self
    }

    /// `fresh`: require a fresh token.
    pub fn fresh(mut self, on: bool) -> Self {
        self.options = self.options.fresh(on);
        self
    }

    /// `refresh`: require a refresh token.
    pub fn refresh(mut self, on: bool) -> Self {
        self.options = self.options.refresh(on);
        self
    }

    /// `verify_type`: `false` accepts access and refresh tokens.
    pub fn verify_type(mut self, on: bool) -> Self {
        self.options = self.options.verify_type(on);
        self
    }

    /// `skip_revocation_check`: do not consult the revocation check.
    pub fn skip_revocation_check(mut self, on: bool) -> Self {
        self.options = self.options.skip_revocation_check(on);
        self
    }

    /// `locations`: where to look, overriding JWT_TOKEN_LOCATION.
    pub fn locations(mut self, locations: &[TokenLocation]) -> Self {
        self.options = self.options.locations(locations);
        self
    }

    /// The claim `name` must satisfy `value` (`#[require_token(team =
    /// "blue")]`; a map is matched key by key, a list as a subset).
    pub fn claim(self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claim_one_of(name, [value])
    }

    /// The claim `name` must satisfy one of `values` (`#[require_token(role
    /// = "admin" | "owner")]`).
    pub fn claim_one_of<V: Into<Value>>(
        mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let values = values.into_iter().map(Into::into).collect();
        Arc::make_mut(&mut self.rules)
            .claims
            .push((name.into(), values));
        self
    }

    /// The `scope` claim must cover `scope` (`#[require_token(scope =
    /// {"admin": true})]`).
    pub fn scope(mut self, scope: impl Into<Value>) -> Self {
        Arc::make_mut(&mut self.rules).scope = Some(scope.into());
        self
    }
}

impl Rules {
    /// The requirements `token` does not meet, if any.
    fn check(&self, token: &CurrentToken) -> Result<(), JwtError> {
        let claims = token.claims();
        let claims_met = self.claims.iter().all(|(name, values)| {
            claims
                .get(name)
                .is_some_and(|actual| requirements::satisfies_any(actual, values))
        });
        if !claims_met {
            return Err(JwtError::MissingRequiredClaims);
        }
        match &self.scope {
            Some(scope) if !requirements::scope_satisfies(claims, scope) => Err(
                JwtError::MissingRequiredScope(requirements::scope_tokens(scope)),
            ),
            _ => Ok(()),
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for JwtRequired
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = JwtRequiredMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(JwtRequiredMiddleware {
            service: Rc::new(service),
            guard: self.clone(),
        }))
    }
}

/// The service built by [`JwtRequired`].
#[derive(Debug)]
pub struct JwtRequiredMiddleware<S> {
    service: Rc<S>,
    guard: JwtRequired,
}

impl<S, B> Service<ServiceRequest> for JwtRequiredMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // The pipeline may read the body (a token in JSON, a CSRF form
        // field); it leaves a replay of it for the handler.
        let (http, mut payload) = req.into_parts();
        let verification = pipeline::verify(&http, Some(&mut payload), self.guard.options);
        let req = ServiceRequest::from_parts(http, payload);
        let service = Rc::clone(&self.service);
        let rules = Arc::clone(&self.guard.rules);
        Box::pin(async move {
            // A rejection is answered here, as a response (not an error),
            // so that the middleware around this one sees it as one.
            let refuse = |req: ServiceRequest, rejection: Rejection| {
                let response = rejection.error_response();
                Ok(req.into_response(response).map_into_right_body())
            };
            let verification = match verification.await {
                Ok(verification) => verification,
                Err(rejection) => return refuse(req, rejection),
            };
            if let Verified::Token(token) = &verification.verified
                && let Err(error) = rules.check(token)
            {
                return refuse(req, verification.refuse(error));
            }
            verification.accept();
            // It holds a clone of the request, which routing inside the
            // scope needs to be the only one.
            drop(verification);
            Ok(service.call(req).await?.map_into_left_body())
        })
    }
}
