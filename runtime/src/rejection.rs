//! [`Rejection`]: the error every fallible call of the crate returns, and
//! how it becomes a response.

use std::fmt;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::error::JwtError;
use crate::render::Renderer;
use crate::token::DecodedToken;

/// A refused request or a failed call: why ([`JwtError`]), the token when
/// it was readable and correctly signed (so that, e.g., the expired-token
/// loader sees its claims), and how the manager that refused it renders
/// errors.
///
/// It is an actix-web [`ResponseError`]: returned from a handler (or with
/// `?`), it becomes the response a rejected request gets — the manager's
/// response loader for its class, or `{"<JWT_ERROR_MESSAGE_KEY>":
/// "<message>"}` with its status, and the configured `WWW-Authenticate`
/// challenge. A server-side problem ([`ErrorClass::Internal`]: a token that
/// cannot be created, a bad cookie domain, no manager registered) answers
/// 500 `{"msg": "Internal Server Error"}`; its details go to the log only.
///
/// The one pattern for handlers: return `Result<HttpResponse, Rejection>`
/// (or `actix_web::Result<HttpResponse>`) and use `?` on every call.
///
/// ```
/// use actix_jwt_extended::{CookieOptions, JwtManager, Rejection, jwt_refresh_required};
/// use actix_web::{HttpResponse, post};
///
/// #[post("/refresh")]
/// #[jwt_refresh_required]
/// async fn refresh(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
///     let pair = jwt.rotate_refresh_token(&current_token).await?; // 401 on reuse, 503 store down
///     let mut response = HttpResponse::Ok();
///     jwt.set_access_cookies(&mut response, &pair.access_token, CookieOptions::new())?;
///     Ok(response.json(pair))
/// }
/// ```
///
/// [`ErrorClass::Internal`]: crate::ErrorClass::Internal
#[derive(Clone)]
pub struct Rejection {
    error: JwtError,
    token: Option<Arc<DecodedToken>>,
    renderer: Option<Arc<Renderer>>,
}

impl Rejection {
    /// Why the request was rejected.
    pub fn error(&self) -> &JwtError {
        &self.error
    }

    /// The token, when the rejection came after its signature was verified.
    pub fn token(&self) -> Option<&DecodedToken> {
        self.token.as_deref()
    }

    /// The reason, without the token.
    pub fn into_error(self) -> JwtError {
        self.error
    }

    pub(crate) fn with_token(error: JwtError, token: Arc<DecodedToken>) -> Self {
        Self {
            error,
            token: Some(token),
            renderer: None,
        }
    }

    /// The same rejection, rendered by `renderer` (unless it already has
    /// one).
    pub(crate) fn rendered_by(mut self, renderer: &Arc<Renderer>) -> Self {
        self.renderer.get_or_insert_with(|| Arc::clone(renderer));
        self
    }

    /// The response to this rejection.
    pub(crate) fn render(&self) -> HttpResponse {
        let renderer = match &self.renderer {
            Some(renderer) => Arc::clone(renderer),
            None => Renderer::without_manager(),
        };
        renderer.render(&self.error, self.token())
    }
}

impl From<JwtError> for Rejection {
    fn from(error: JwtError) -> Self {
        Self {
            error,
            token: None,
            renderer: None,
        }
    }
}

impl fmt::Debug for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejection")
            .field("error", &self.error)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl ResponseError for Rejection {
    fn status_code(&self) -> StatusCode {
        self.error.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.render()
    }
}
