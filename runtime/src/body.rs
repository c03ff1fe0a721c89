//! Reading the request body inside an extractor without taking it from the
//! handler: the `json` token location and the CSRF form field need the body,
//! and the handler may still want it (`web::Json`, `web::Form`, `Bytes`).
//!
//! The extractor swaps the request payload for a replay stream before any
//! later extractor sees it, reads at most JWT_MAX_BODY_SIZE bytes of the
//! original, keeps them in the request extensions for the token lookup, and
//! then lets the replay stream yield those bytes followed by whatever the
//! original payload still holds. Requests that need no body pay nothing.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, HttpRequest};
use futures_util::{Stream, StreamExt};
use serde::de::{DeserializeSeed, Deserializer, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use tokio::sync::oneshot;

/// The start of the request body, as read for the token lookup.
#[derive(Debug, Clone)]
pub(crate) struct BufferedBody {
    /// The bytes read (the whole body unless `overflow`).
    pub(crate) bytes: Bytes,
    /// The body is longer than the limit; `bytes` holds only its start.
    pub(crate) overflow: bool,
}

/// The media type of the request, lower-cased, without parameters.
fn media_type(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    Some(essence.to_ascii_lowercase())
}

/// Werkzeug's `request.is_json`: `application/json` or `application/*+json`.
pub(crate) fn is_json(req: &HttpRequest) -> bool {
    media_type(req).is_some_and(|mime| {
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
    })
}

/// Whether the body is an HTML form (`application/x-www-form-urlencoded` or
/// `multipart/form-data`), which Werkzeug parses into `request.form`.
pub(crate) fn is_form(req: &HttpRequest) -> bool {
    media_type(req).is_some_and(|mime| {
        mime == "application/x-www-form-urlencoded" || mime == "multipart/form-data"
    })
}

/// The first value of the text field `name` of a form body (URL-encoded or
/// multipart; file parts are skipped).
pub(crate) fn form_field(req: &HttpRequest, body: &[u8], name: &str) -> Option<String> {
    match media_type(req)?.as_str() {
        "application/x-www-form-urlencoded" => first_urlencoded_value(body, name),
        "multipart/form-data" => multipart_field(&boundary(req)?, body, name),
        _ => None,
    }
}

/// The `boundary` parameter of a multipart content type.
fn boundary(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    value.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|boundary| !boundary.is_empty())
    })
}

/// The first text part named `name` of a `multipart/form-data` body.
fn multipart_field(boundary: &str, body: &[u8], name: &str) -> Option<String> {
    let delimiter = format!("--{boundary}");
    let wanted = format!("name=\"{name}\"");
    let text = String::from_utf8_lossy(body);
    text.split(delimiter.as_str())
        .skip(1)
        .take_while(|part| !part.starts_with("--"))
        .find_map(|part| {
            let part = part.strip_prefix("\r\n")?;
            let (headers, value) = part.split_once("\r\n\r\n")?;
            let disposition = headers.lines().find(|line| {
                line.to_ascii_lowercase()
                    .starts_with("content-disposition: form-data")
            })?;
            let fields: Vec<&str> = disposition.split(';').map(str::trim).collect();
            let named = fields.contains(&wanted.as_str());
            let file = fields.iter().any(|f| f.starts_with("filename"));
            (named && !file).then(|| value.strip_suffix("\r\n").unwrap_or(value).to_owned())
        })
}

/// The body buffered by [`Capture::read`], if the extractor read it.
pub(crate) fn buffered(req: &HttpRequest) -> Option<BufferedBody> {
    req.extensions().get::<BufferedBody>().cloned()
}

/// The first value of `name` in `application/x-www-form-urlencoded` text
/// (a query string or a form body), as Werkzeug's `MultiDict.get` returns it.
pub(crate) fn first_urlencoded_value(text: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(text)
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Every value of `name` in `application/x-www-form-urlencoded` text.
pub(crate) fn urlencoded_values<'a>(
    text: &'a [u8],
    name: &'a str,
) -> impl Iterator<Item = String> + 'a {
    form_urlencoded::parse(text)
        .filter(move |(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// What a JSON body holds under one top-level key.
#[derive(Debug, PartialEq)]
pub(crate) enum JsonKey {
    /// The body is not a JSON object, or has no such key.
    Absent,
    /// The key, once, with its value.
    Once(Value),
    /// The key more than once (a JSON parser keeps one of them; which one
    /// differs between parsers).
    Repeated,
}

/// The value of the top-level key `key` of a JSON object body, seeing
/// repetitions of the key that parsing into a map would hide.
pub(crate) fn json_key(bytes: &[u8], key: &str) -> JsonKey {
    struct Seed<'k>(&'k str);
    impl<'de> DeserializeSeed<'de> for Seed<'_> {
        type Value = JsonKey;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<JsonKey, D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Seed<'_> {
        type Value = JsonKey;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonKey, A::Error> {
            let mut found = JsonKey::Absent;
            while let Some(name) = map.next_key::<String>()? {
                if name != self.0 {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                let value = map.next_value::<Value>()?;
                found = match found {
                    JsonKey::Absent => JsonKey::Once(value),
                    _ => JsonKey::Repeated,
                };
            }
            Ok(found)
        }
        // Any other JSON value holds no key.
        fn visit_bool<E: Error>(self, _: bool) -> Result<JsonKey, E> {
            Ok(JsonKey::Absent)
        }
        fn visit_i64<E: Error>(self, _: i64) -> Result<JsonKey, E> {
            Ok(JsonKey::Absent)
        }
        fn visit_u64<E: Error>(self, _: u64) -> Result<JsonKey, E> {
            Ok(JsonKey::Absent)
        }
        fn visit_f64<E: Error>(self, _: f64) -> Result<JsonKey, E> {
            Ok(JsonKey::Absent)
        }
        fn visit_str<E: Error>(self, _: &str) -> Result<JsonKey, E> {
            Ok(JsonKey::Absent)
        }
        fn visit_unit<E: Error>(self) -> Result<JsonKey, E> {
            Ok(JsonKey::Absent)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonKey, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(JsonKey::Absent)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    // Invalid JSON (or trailing bytes) holds no key either.
    match Seed(key)
        .deserialize(&mut deserializer)
        .and_then(|found| deserializer.end().map(|()| found))
    {
        Ok(found) => found,
        Err(_) => JsonKey::Absent,
    }
}

/// What the replay stream hands to the handler once the capture is done.
struct Replay {
    head: Bytes,
    rest: Option<Payload>,
    error: Option<PayloadError>,
}

/// The original payload of a request whose body the extractor reads.
pub(crate) struct Capture {
    original: Payload,
    limit: usize,
    replay: oneshot::Sender<Replay>,
}

/// Takes the request payload and leaves a replay stream in its place. Call
/// only when the body is really needed; then [`Capture::read`] it.
pub(crate) fn capture(payload: &mut Payload, limit: usize) -> Capture {
    let original = payload.take();
    let (replay, receiver) = oneshot::channel();
    let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(ReplayStream::Waiting(receiver));
    *payload = Payload::from(stream);
    Capture {
        original,
        limit,
        replay,
    }
}

impl Capture {
    /// Reads up to the limit, stores the bytes in the request for the token
    /// lookup and releases them (and the unread rest) to the replay stream.
    pub(crate) async fn read(self, req: &HttpRequest) {
        let Capture {
            mut original,
            limit,
            replay,
        } = self;
        let mut head = BytesMut::new();
        let mut error = None;
        let mut overflow = false;
        while head.len() <= limit {
            match original.next().await {
                Some(Ok(chunk)) => head.extend_from_slice(&chunk),
                Some(Err(e)) => {
                    error = Some(e);
                    break;
                }
                None => break,
            }
        }
        if head.len() > limit {
            overflow = true;
        }
        let head = head.freeze();
        req.extensions_mut().insert(BufferedBody {
            // A body that could not be read whole is treated as absent.
            bytes: if error.is_some() {
                Bytes::new()
            } else {
                head.clone()
            },
            overflow,
        });
        let rest = (error.is_none() && overflow).then_some(original);
        // The handler may not read the body at all; then nobody listens.
        let _ = replay.send(Replay { head, rest, error });
    }
}

/// The payload the handler sees: it waits for the capture, then yields the
/// captured bytes, then the rest of the original payload.
enum ReplayStream {
    Waiting(oneshot::Receiver<Replay>),
    Replaying(Replay),
    Done,
}

impl Stream for ReplayStream {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match this {
                ReplayStream::Waiting(receiver) => match Pin::new(receiver).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(replay)) => *this = ReplayStream::Replaying(replay),
                    // The capture was dropped: the request was rejected.
                    Poll::Ready(Err(_)) => *this = ReplayStream::Done,
                },
                ReplayStream::Replaying(replay) => {
                    if !replay.head.is_empty() {
                        return Poll::Ready(Some(Ok(std::mem::take(&mut replay.head))));
                    }
                    if let Some(error) = replay.error.take() {
                        *this = ReplayStream::Done;
                        return Poll::Ready(Some(Err(error)));
                    }
                    match replay.rest.as_mut() {
                        Some(rest) => {
                            let next = Pin::new(rest).poll_next(cx);
                            if let Poll::Ready(None) = next {
                                *this = ReplayStream::Done;
                            }
                            return next;
                        }
                        None => *this = ReplayStream::Done,
                    }
                }
                ReplayStream::Done => return Poll::Ready(None),
            }
        }
    }
}
