//! What the attribute macros' expansions are checked against — the items
//! the compiler names when a protected handler does not fit. Not public
//! API (hidden from the documentation, and it may change in any release);
//! public, with readable names, so that those messages read well.
//!
//! * [`Guard<P, T, U>`](Guard): the hidden first parameter of a protected
//!   handler, generic over its [`Policy`] (options and requirement check),
//!   what `current_token` is bound to ([`Bind`]: [`CurrentToken`],
//!   [`TypedToken`] or an `Option` of either) and what `current_user` is
//!   bound to ([`BindUser`]).
//! * [`ClaimField`] and the literal kinds ([`TextLiteral`], …): a requirement
//!   `level = 3` on a typed-claims handler must name a field of a type that
//!   a [`IntegerLiteral`] can be compared with ([`requirement_fits`]).

use std::any::{Any, type_name};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::JwtError;
use crate::pipeline::{self, Verified};
use crate::token::{CurrentToken, CurrentUser, TypedToken};
use crate::verify_options::VerifyOptions;

/// What a protected handler requires: its options and its claim
/// requirements. Implemented by a type the macro generates per handler.
pub trait Policy: 'static {
    /// The options of the attribute.
    const OPTIONS: VerifyOptions;

    /// Checks a verified token against the requirements; `None` when there
    /// is nothing to check.
    fn check(
        _req: &HttpRequest,
        _token: &CurrentToken,
    ) -> Option<LocalBoxFuture<'static, Result<(), JwtError>>> {
        None
    }
}

/// The policy of a handler whose attribute could not be understood (the
/// compilation fails anyway): any access token.
#[derive(Debug)]
pub struct Fallback;

impl Policy for Fallback {
    const OPTIONS: VerifyOptions = VerifyOptions::new();
}

/// The policy of an optional handler whose attribute could not be
/// understood.
#[derive(Debug)]
pub struct OptionalFallback;

impl Policy for OptionalFallback {
    const OPTIONS: VerifyOptions = VerifyOptions::new().optional(true);
}

/// What `current_token` can be bound to: [`CurrentToken`], [`TypedToken`]
/// and their `Option`s (for optional handlers).
#[diagnostic::on_unimplemented(
    message = "`current_token` cannot have the type `{Self}`",
    label = "use CurrentToken, TypedToken<YourClaims>, or an Option of either for optional handlers",
    note = "with `optional` the binding is an `Option<…>`; otherwise it is not"
)]
pub trait Bind: Sized + 'static {
    /// Builds the binding from the verification result.
    fn bind(verified: &Verified) -> Result<Self, Refusal>;
}

/// Why a binding could not be made.
#[derive(Debug)]
pub enum Refusal {
    /// Reject the request with this error.
    Error(JwtError),
    /// A CORS preflight reached a handler whose bindings need a token:
    /// answer it with `204 No Content` instead of running the handler.
    Preflight,
}

impl From<JwtError> for Refusal {
    fn from(error: JwtError) -> Self {
        Self::Error(error)
    }
}

impl Bind for CurrentToken {
    fn bind(verified: &Verified) -> Result<Self, Refusal> {
        match verified {
            Verified::Token(token) => Ok(token.clone()),
            // Flask-JWT-Extended runs the view without verification.
            Verified::Preflight => Ok(CurrentToken::preflight()),
            Verified::Anonymous => Err(Refusal::Preflight),
        }
    }
}

impl Bind for Option<CurrentToken> {
    fn bind(verified: &Verified) -> Result<Self, Refusal> {
        match verified {
            Verified::Token(token) => Ok(Some(token.clone())),
            Verified::Anonymous | Verified::Preflight => Ok(None),
        }
    }
}

impl<C: DeserializeOwned + 'static> Bind for TypedToken<C> {
    fn bind(verified: &Verified) -> Result<Self, Refusal> {
        match verified {
            Verified::Token(token) => Ok(TypedToken::from_current(token)?),
            Verified::Anonymous | Verified::Preflight => Err(Refusal::Preflight),
        }
    }
}

impl<C: DeserializeOwned + 'static> Bind for Option<TypedToken<C>> {
    fn bind(verified: &Verified) -> Result<Self, Refusal> {
        match verified {
            Verified::Token(token) => Ok(Some(TypedToken::from_current(token)?)),
            Verified::Anonymous | Verified::Preflight => Ok(None),
        }
    }
}

/// What `current_user` can be bound to: nothing (`()`), [`CurrentUser`] or
/// `Option<CurrentUser<U>>`.
#[diagnostic::on_unimplemented(
    message = "`current_user` cannot have the type `{Self}`",
    label = "use CurrentUser<YourUser>, or Option<CurrentUser<YourUser>> for optional handlers"
)]
pub trait BindUser: Sized + 'static {
    /// Builds the binding from the verification result.
    fn bind(verified: &Verified) -> Result<Self, Refusal>;
}

impl BindUser for () {
    fn bind(_: &Verified) -> Result<Self, Refusal> {
        Ok(())
    }
}

fn user<U: Any + Send + Sync>(token: &CurrentToken) -> Result<CurrentUser<U>, Refusal> {
    token.user::<U>().ok_or(Refusal::Error(
        JwtError::UserLoaderMissing(type_name::<U>()),
    ))
}

impl<U: Any + Send + Sync> BindUser for CurrentUser<U> {
    fn bind(verified: &Verified) -> Result<Self, Refusal> {
        match verified {
            Verified::Token(token) => user(token),
            Verified::Anonymous | Verified::Preflight => Err(Refusal::Preflight),
        }
    }
}

impl<U: Any + Send + Sync> BindUser for Option<CurrentUser<U>> {
    fn bind(verified: &Verified) -> Result<Self, Refusal> {
        match verified {
            Verified::Token(token) => user(token).map(Some),
            Verified::Anonymous | Verified::Preflight => Ok(None),
        }
    }
}

/// The hidden first parameter of a protected handler: verifies the request
/// before any other extractor runs and yields `current_token` (and
/// `current_user`).
#[derive(Debug)]
pub struct Guard<P: Policy, T: Bind = CurrentToken, U: BindUser = ()> {
    token: T,
    user: U,
    policy: PhantomData<P>,
}

impl<P: Policy, T: Bind, U: BindUser> Guard<P, T, U> {
    /// The `current_token` binding.
    pub fn token(self) -> T {
        self.token
    }

    /// The `current_token` and `current_user` bindings.
    pub fn into_parts(self) -> (T, U) {
        (self.token, self.user)
    }
}

impl<P: Policy, T: Bind, U: BindUser> FromRequest for Guard<P, T, U> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let verification = pipeline::verify(req, Some(payload), P::OPTIONS);
        let req = req.clone();
        Box::pin(async move {
            let verification = verification.await?;
            let verified = &verification.verified;
            let refuse = |refusal: Refusal| -> actix_web::Error {
                match refusal {
                    Refusal::Preflight => actix_web::error::InternalError::from_response(
                        "CORS preflight",
                        HttpResponse::NoContent().finish(),
                    )
                    .into(),
                    Refusal::Error(error) => verification.refuse(error).into(),
                }
            };
            if let Some(check) = verified.token().and_then(|token| P::check(&req, token)) {
                check.await.map_err(|error| refuse(Refusal::Error(error)))?;
            }
            let guard = Guard {
                user: U::bind(verified).map_err(refuse)?,
                token: T::bind(verified).map_err(refuse)?,
                policy: PhantomData,
            };
            verification.accept();
            Ok(guard)
        })
    }
}

// The kinds of literal a requirement can hold, for the compile-time check
// of requirement values against claim fields. Their names appear in the
// compiler's message when a value does not fit.

/// A string literal (`role = "admin"`).
#[derive(Debug)]
pub struct TextLiteral;
/// An integer literal (`level = 3`).
#[derive(Debug)]
pub struct IntegerLiteral;
/// A float literal (`ratio = 0.5`).
#[derive(Debug)]
pub struct FloatLiteral;
/// `true` or `false`.
#[derive(Debug)]
pub struct BoolLiteral;
/// `null`.
#[derive(Debug)]
pub struct NullLiteral;
/// A `[…]` or `{…}` value.
#[derive(Debug)]
pub struct ListOrMapLiteral;

/// A claim field that a requirement literal of kind `L` can be compared with.
#[diagnostic::on_unimplemented(
    message = "this requirement cannot be compared with a claim field of type `{Self}`",
    label = "the claims type declares this field as `{Self}`"
)]
pub trait ClaimField<L> {}

macro_rules! claim_fields {
    ($literal:ty => $($field:ty),*) => {
        $(impl ClaimField<$literal> for $field {})*
    };
}

claim_fields!(TextLiteral => String, str, &'static str, std::borrow::Cow<'static, str>);
claim_fields!(IntegerLiteral => i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);
claim_fields!(FloatLiteral => f32, f64);
claim_fields!(BoolLiteral => bool);
impl<L> ClaimField<L> for Value {}
impl<L> ClaimField<L> for Map<String, Value> {}
impl<T> ClaimField<ListOrMapLiteral> for Vec<T> {}
impl<K, V> ClaimField<ListOrMapLiteral> for std::collections::HashMap<K, V> {}
impl<K, V> ClaimField<ListOrMapLiteral> for std::collections::BTreeMap<K, V> {}
impl<T> ClaimField<ListOrMapLiteral> for std::collections::HashSet<T> {}
impl<T> ClaimField<ListOrMapLiteral> for std::collections::BTreeSet<T> {}
impl<T: ClaimField<L>, L> ClaimField<L> for Option<T> {}
impl<T: ClaimField<L>, L> ClaimField<L> for Box<T> {}

/// Compile-time only: checks that a requirement of literal kind `L` fits the
/// claim field it names.
pub fn requirement_fits<F: ClaimField<L> + ?Sized, L>(_field: &F) {}
