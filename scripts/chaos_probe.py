"""The client side of scripts/chaos.sh: makes tokens, revokes them, probes
two instances of examples/blocklist.rs while faults are injected, measures
revocation propagation between them, and reports.

    chaos_probe.py tokens <n>                          # "valid <token>" / "revoked <token>" lines
    chaos_probe.py revoke <port A> <port B> <tokens file>   # revoke on A, wait for both
    chaos_probe.py run <seconds> <out.json> <port A> <port B> <tokens file>
    chaos_probe.py report <phase> <out.json> <faults file> <wrk output>... [--strict]

Only the standard library: tokens are HS256 with JWT_SECRET_KEY, in
Flask-JWT-Extended's layout.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import sys
import threading
import time
import uuid

SECRET = os.environ.get("JWT_SECRET_KEY", "").encode()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(identity, lifetime=3600):
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "fresh": False,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "type": "access",
        "sub": identity,
        "nbf": now,
        "exp": now + lifetime,
    }
    compact = lambda value: json.dumps(value, separators=(",", ":")).encode()
    signing = b64(compact(header)) + "." + b64(compact(claims))
    signature = hmac.new(SECRET, signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64(signature)


class Client:
    """One keep-alive connection to an instance; a status or an error name."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def call(self, method, path, bearer):
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                self.conn.request(method, path, headers={"Authorization": "Bearer " + bearer})
                response = self.conn.getresponse()
                body = response.read()
                return response.status, body
            except (OSError, http.client.HTTPException) as error:
                self.conn = None
                if attempt == 1:
                    return "error:" + type(error).__name__, b""
        return "error", b""

    def status(self, bearer):
        return self.call("GET", "/protected", bearer)[0]

    def revoke(self, bearer):
        return self.call("DELETE", "/logout", bearer)[0]


def read_tokens(path):
    tokens = {"valid": [], "revoked": []}
    with open(path) as f:
        for line in f:
            kind, value = line.split()
            tokens[kind].append(value)
    return tokens


def cmd_tokens(n):
    for i in range(int(n)):
        print("valid", token(f"valid-{i}"))
        print("revoked", token(f"revoked-{i}"))


def cmd_revoke(port_a, port_b, path):
    """Revokes on A, then waits until both instances reject every token."""
    revoked = read_tokens(path)["revoked"]
    client = Client(int(port_a))
    for value in revoked:
        status = client.revoke(value)
        if status != 200:
            sys.exit(f"revoking a token answered {status}")
    for port in (port_a, port_b):
        client = Client(int(port))
        deadline = time.time() + 10
        for value in revoked:
            while client.status(value) != 401:
                if time.time() > deadline:
                    sys.exit(f"instance {port} still accepts a revoked token")
                time.sleep(0.01)


def cmd_run(seconds, out, port_a, port_b, path):
    """Probes both instances continuously, and measures propagation."""
    end = time.time() + float(seconds)
    ports = {"a": int(port_a), "b": int(port_b)}
    wrk_revoked = read_tokens(path)["revoked"]
    probe = {"valid": token("probe-valid"), "revoked": token("probe-revoked")}
    for status in [Client(ports["a"]).revoke(probe["revoked"])]:
        if status != 200:
            sys.exit(f"revoking the probe token answered {status}")
    checks, propagation, revoked = [], [], list(wrk_revoked) + [probe["revoked"]]
    lock = threading.Lock()

    def check(name, kind):
        client = Client(ports[name])
        while time.time() < end:
            sent = time.time()
            status = client.status(probe[kind])
            with lock:
                checks.append((sent, time.time(), name, kind, status))
            time.sleep(0.01)

    def propagate():
        clients = {name: Client(port) for name, port in ports.items()}
        n = 0
        while time.time() < end:
            n += 1
            source, target = ("a", "b") if n % 2 else ("b", "a")
            value = token(f"prop-{n}")
            status = clients[source].revoke(value)
            done = time.time()
            if status != 200:
                with lock:
                    propagation.append((done, source, None, f"revoke {status}"))
                time.sleep(0.05)
                continue
            with lock:
                revoked.append(value)
            seen = None
            while time.time() - done < 5:
                answer = clients[target].status(value)
                if answer == 401:
                    seen = time.time() - done
                    break
                if answer not in (200, 503):
                    with lock:
                        checks.append((time.time(), time.time(), target, "prop", answer))
            with lock:
                propagation.append((done, source, seen, "ok" if seen is not None else "late"))
            time.sleep(0.05)

    threads = [threading.Thread(target=check, args=(name, kind)) for name in ports for kind in probe]
    threads.append(threading.Thread(target=propagate))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # After every fault: each token whose revocation was reported as done
    # is still revoked on both instances (a 503 is retried for 10 s).
    final = {"revoked": 0, "answered_200": 0, "unavailable": 0}
    clients = {name: Client(port) for name, port in ports.items()}
    for value in revoked:
        for name in ports:
            deadline = time.time() + 10
            status = clients[name].status(value)
            while status == 503 and time.time() < deadline:
                time.sleep(0.1)
                status = clients[name].status(value)
            if status == 401:
                final["revoked"] += 1
            elif status == 200:
                final["answered_200"] += 1
            else:
                final["unavailable"] += 1
    with open(out, "w") as f:
        json.dump({"checks": checks, "propagation": propagation, "final": final}, f)


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))
    return values[index]


def ms(value):
    return "-" if value is None else f"{value * 1000:.1f} ms"


def cmd_report(phase, out, faults_path, *rest):
    strict = "--strict" in rest
    wrk_files = [r for r in rest if r != "--strict"]
    data = json.load(open(out))
    checks = sorted(data["checks"])
    faults = []
    with open(faults_path) as f:
        for line in f:
            name, start, end = line.split()
            faults.append((name, float(start), float(end)))
    expected = {"valid": 200, "revoked": 401}
    problems = []

    # Every probe answer: 200 (valid), 401 (revoked) or 503.
    counts = {}
    for _, _, _, kind, status in checks:
        counts[(kind, status)] = counts.get((kind, status), 0) + 1
        if status == 503 or status == expected.get(kind):
            continue
        if kind == "revoked" and status == 200:
            problems.append("a revoked token was answered 200")
        else:
            problems.append(f"{kind} token answered {status}")
    print(f"== {phase}: probe answers (every 10 ms per instance and token)")
    for (kind, status), n in sorted(counts.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        print(f"   {kind:8} {status!s:>5}  {n}")

    # wrk: statuses of the load.
    print(f"== {phase}: load (wrk, both instances)")
    wrk = {}
    for path in wrk_files:
        for line in open(path):
            if line.startswith("chaos "):
                _, key, value = line.split()
                wrk[key] = wrk.get(key, 0) + int(value)
            elif "requests in" in line or "Socket errors" in line or "Requests/sec" in line:
                print("  ", os.path.basename(path), line.strip())
    wrk.setdefault("revoked-200", 0)
    for key in sorted(wrk):
        print(f"   {key:18} {wrk[key]}")
        if key.startswith("status-") and key not in ("status-200", "status-401", "status-503"):
            problems.append(f"wrk saw {key}")
    if wrk.get("revoked-200", 0):
        problems.append("wrk saw a revoked token answered 200")

    # Recovery after each fault: how long after it ended the instances still
    # answered 503 (or wrongly), by the time those answers arrived.
    print(f"== {phase}: faults")
    bounds = [f[1] for f in faults[1:]] + [float("inf")]
    recoveries = []
    for (name, start, end), next_start in zip(faults, bounds):
        window = [c for c in checks if start <= c[0] < next_start and c[3] in expected]
        bad = [c for c in window if c[4] != expected[c[3]]]
        if not bad:
            print(f"   {name:12} lasted {end - start:5.2f} s; every answer right, none 503")
            recoveries.append((name, 0.0))
            continue
        first_bad = min(c[0] for c in bad)
        last_bad = max(c[1] for c in bad)
        if not any(c[0] > last_bad for c in window):
            problems.append(f"{name}: not recovered by the end of the phase")
            print(f"   {name:12} NOT RECOVERED")
            continue
        recovery = max(0.0, last_bad - end)
        recoveries.append((name, recovery))
        print(
            f"   {name:12} lasted {end - start:5.2f} s; 503s from +{first_bad - start:.2f} s "
            f"to +{last_bad - start:.2f} s; recovered {recovery:.2f} s after the fault ended"
            f" (goal <= 2 s: {'met' if recovery <= 2 else 'MISSED'})"
        )

    # Propagation, in steady state (outside the faults and their recovery).
    quiet = []
    for done, _, latency, _ in data["propagation"]:
        if latency is None:
            continue
        if any(start - 0.2 <= done <= end + 3 for _, start, end in faults):
            continue
        quiet.append(latency)
    late = [p for p in data["propagation"] if p[3] == "late"]
    failed = [p for p in data["propagation"] if p[3].startswith("revoke")]
    p50, p99 = percentile(quiet, 50), percentile(quiet, 99)
    print(
        f"== {phase}: propagation A<->B under load: {len(quiet)} samples, p50 {ms(p50)}, "
        f"p99 {ms(p99)}, max {ms(max(quiet) if quiet else None)} "
        f"(goal p99 <= 50 ms: {'met' if p99 is not None and p99 <= 0.05 else 'MISSED'}); "
        f"{len(failed)} revocations refused (503) during faults, {len(late)} not seen within 5 s"
    )

    final = data["final"]
    print(
        f"== {phase}: after the faults, of the tokens reported revoked: {final['revoked']} "
        f"answers 401, {final['answered_200']} answers 200, {final['unavailable']} other"
    )
    if final["answered_200"]:
        problems.append("a token reported revoked was answered 200 after the faults")
    if strict:
        for name, recovery in recoveries:
            if recovery > 2:
                problems.append(f"{name}: recovery {recovery:.2f} s > 2 s")
        if p99 is None or p99 > 0.05:
            problems.append("propagation p99 > 50 ms")
    for problem in sorted(set(problems)):
        print(f"   PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    handler = {"tokens": cmd_tokens, "revoke": cmd_revoke, "run": cmd_run, "report": cmd_report}
    sys.exit(handler[command](*args) or 0)
