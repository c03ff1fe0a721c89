//! Token extraction from headers, cookies and the query string: a raw HTTP
//! request (request line, headers, body) sent to a protected application
//! that looks in all three. The answer is the handler's or a 4xx JSON error.

#![no_main]

use actix_jwt_extended_fuzz::harness;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    harness(
        "extract",
        &[
            ("JWT_TOKEN_LOCATION", "headers,cookies,query_string"),
            ("JWT_QUERY_STRING_VALUE_PREFIX", "Bearer "),
        ],
    )
    .check(data);
});
