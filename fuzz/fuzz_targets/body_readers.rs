//! The request-body readers: a token in a JSON body, and the CSRF value of
//! a cookie token in a header, a urlencoded form or a multipart form. Raw
//! HTTP requests go to a protected application that reads both.

#![no_main]

use actix_jwt_extended_fuzz::harness;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    harness(
        "body",
        &[
            ("JWT_TOKEN_LOCATION", "json,cookies"),
            ("JWT_CSRF_CHECK_FORM", "true"),
            ("JWT_MAX_BODY_SIZE", "4096"),
        ],
    )
    .check(data);
});
