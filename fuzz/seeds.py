#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (fuzz/seeds/<target>/) from the
checked-in test tokens (tests/fixtures/flask/tokens.json), the option table
(runtime/src/config/options.rs) and the attributes used by the tests.

Usage: python3 fuzz/seeds.py   (standard library only)
"""

import hashlib
import json
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "fuzz" / "seeds"

tokens = json.loads((ROOT / "tests/fixtures/flask/tokens.json").read_text())["tokens"]
by = {(t["alg"], t["name"]): t for t in tokens}


def write(target, items):
    directory = SEEDS / target
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    for item in items:
        data = item if isinstance(item, bytes) else item.encode()
        (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


# decode_token: every test token as it stands, and the HS256 ones as
# header/claims pairs for the signing mode.
decode = [t["token"] for t in tokens]
for t in tokens:
    if t["alg"] == "HS256":
        decode.append(
            b"\x01" + json.dumps(t["header"]).encode() + b"\x00" + json.dumps(t["payload"]).encode()
        )
write("decode_token", decode)


def request(method, target, headers=(), body=b""):
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers)
    return head.encode() + b"\r\n" + body


access = by[("HS256", "access")]
refresh = by[("HS256", "refresh")]
fresh = by[("HS256", "fresh_access")]
expired = by[("HS256", "expired")]
extras = by[("HS256", "extras")]
csrf = access["payload"]["csrf"]
refresh_csrf = refresh["payload"]["csrf"]

# extract_token: headers, cookies and the query string.
extract = []
for path, t in [("/access", access), ("/refresh", refresh), ("/optional", fresh),
                ("/access", expired), ("/access", extras)]:
    tok = t["token"]
    extract += [
        request("GET", path, [("Authorization", f"Bearer {tok}")]),
        request("GET", f"{path}?jwt=Bearer%20{tok}"),
        request("GET", path, [("Cookie", f"access_token_cookie={tok}; refresh_token_cookie={tok}")]),
        request("POST", path, [("Cookie", f"access_token_cookie={tok}"), ("X-CSRF-TOKEN", t["payload"].get("csrf", ""))]),
    ]
extract += [
    request("GET", "/access", [("Authorization", f"Bearer {access['token']}"), ("Authorization", "Bearer x")]),
    request("GET", f"/access?jwt=Bearer%20{access['token']}&jwt=Bearer%20x"),
    request("GET", "/access", [("Cookie", f"access_token_cookie={access['token']}; access_token_cookie=x")]),
    request("GET", "/optional"),
    request("OPTIONS", "/access"),
]
write("extract_token", extract)

# body_readers: a JSON body, and CSRF values in a header, a form, a multipart form.
def cookies(t, name="access_token_cookie"):
    return ("Cookie", f"{name}={t['token']}")


boundary = "XyZ"
multipart = (
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n"
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
    f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
).encode()
body = [
    request("POST", "/access", [("Content-Type", "application/json")],
            json.dumps({"access_token": access["token"]}).encode()),
    request("POST", "/refresh", [("Content-Type", "application/json")],
            json.dumps({"refresh_token": refresh["token"]}).encode()),
    request("POST", "/access", [("Content-Type", "application/json")],
            b'{"access_token": "a", "access_token": "b"}'),
    request("POST", "/access", [cookies(access), ("X-CSRF-TOKEN", csrf)]),
    request("POST", "/access", [cookies(access), ("Content-Type", "application/x-www-form-urlencoded")],
            f"csrf_token={csrf}&x=1".encode()),
    request("POST", "/refresh", [cookies(refresh, "refresh_token_cookie"),
                                 ("Content-Type", "application/x-www-form-urlencoded")],
            f"csrf_token={refresh_csrf}".encode()),
    request("POST", "/access", [cookies(access), ("Content-Type", f"multipart/form-data; boundary={boundary}")],
            multipart),
    request("PUT", "/optional", [("Content-Type", "application/json; charset=utf-8")], b"{}"),
]
write("body_readers", body)

# config_options: each option with its documented default, and a few sets.
options = re.findall(r'\["(JWT_[A-Z_]+)", "([^"]*)"', (ROOT / "runtime/src/config/options.rs").read_text())
config = []
for name, default in options:
    if default.startswith("(") or name in ("JWT_DECODE_ALGORITHMS",):
        default = ""
    config.append(f"JWT_SECRET_KEY=s\n{name}={default}\n")
config += [
    "JWT_ALGORITHM=ES256\nJWT_PUBLIC_KEY=" + (ROOT / "tests/keys/ec256_public.pem").read_text().replace("\n", "\\n") + "\n",
    "JWT_ALGORITHM=RS256\nJWT_PRIVATE_KEY=" + (ROOT / "tests/keys/rsa_private.pem").read_text().replace("\n", "\\n") + "\n",
    "JWT_SECRET_KEY=s\nJWT_TOKEN_LOCATION=headers,cookies,json,query_string\nJWT_COOKIE_SAMESITE=Lax\n",
    "JWT_SECRET_KEY=s\nJWT_ACCESS_TOKEN_EXPIRES=false\nJWT_DECODE_AUDIENCE=a,b\nJWT_ENCODE_AUDIENCE=a\n",
]
write("config_options", config)

# macro_attributes: the attributes the tests and examples write.
attributes = set()
for path in list(ROOT.glob("ui-tests/tests/**/*.rs")) + list(ROOT.glob("tests/*.rs")) + list(ROOT.glob("examples/*.rs")):
    for name, args in re.findall(
        r"#\[(jwt_required|fresh_jwt_required|jwt_refresh_required|jwt_optional|require_token)(?:\((.*)\))?\]",
        path.read_text(),
    ):
        attributes.add((name, args or ""))
presets = ["jwt_required", "fresh_jwt_required", "jwt_refresh_required", "jwt_optional", "require_token"]
handler = ("async fn handler(path: web::Path<String>, current_token: CurrentToken) "
           "-> HttpResponse { HttpResponse::Ok().finish() }")
macro = [bytes([presets.index(n)]) + a.encode() for n, a in sorted(attributes)]
macro.append(bytes([4]) + b'sub = "path"\n---\n' + handler.encode())
macro.append(bytes([0]) + b'\n---\n#[get("/")]\n#[actix_jwt_extended::jwt_optional]\n' + handler.encode())
write("macro_attributes", macro)
