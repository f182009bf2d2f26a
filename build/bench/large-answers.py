#!/usr/bin/env python3
"""Resident memory of the server while it serves answers larger than its output limit, at two limits, interleaved.

Review AR (session 34) saw a caller fetching 5 MB answers in a loop take the server from 114 to 672 MB resident. Where
it goes: shaping a cut answer copies it a few times (large objects, freed only by a full collection), and the MCP SDK
serializes the text content with a buffer of six characters a character and an output buffer that doubles past three
bytes a character, both from the shared array pool, whose per-thread slots keep the largest arrays a thread used until
a full collection trims them. So the memory follows the output limit, times the threads that served a full answer.

Each round starts the server over stdio (governance on: a temporary SQLite store, every tool approved for the user
"bench"), with AUTH0_MCP_MAX_OUTPUT_BYTES at each limit in turn (A B A B ...), against a local HTTP stub whose
`GET /users` answers a list of 100 items of 50 KB (5 MB). It sends CALLS rounds of CONCURRENT `tools/call`s of
auth0_users_list at once, checks each answer is a cut list, and reads the process's peak (VmHWM) and its resident set
3 s after the last answer (VmRSS). Prints a Markdown table of medians; docs/reliability.md holds one run's figures.

Usage: python3 build/bench/large-answers.py [--rounds 3] [--calls 20] [--concurrent 8] [--limits 1048576,262144] [COMMAND]
  COMMAND is the server's command line without `serve` (default: the Release build,
  "dotnet src/Auth0Mcp.Server/bin/Release/net10.0/auth0-mcp.dll"; build it first: dotnet build src/Auth0Mcp.Server -c Release).
"""
import argparse, json, os, shlex, statistics, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BODY = json.dumps([{"user_id": f"auth0|{i}", "user_metadata": {"note": "v" * 50_000}} for i in range(100)]).encode()


class Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the server drops the connection past its output limit: a broken pipe here is expected


def status(pid):
    """MiB of VmRSS and VmHWM."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(value.split()[0]) / 1024
    return values


def run(argv, env, calls, concurrent):
    process = subprocess.Popen(argv + ["serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    next_id = [0]

    def send(method, params=None, notify=False):
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        if not notify:
            next_id[0] += 1
            message["id"] = next_id[0]
        process.stdin.write((json.dumps(message) + "\n").encode())
        process.stdin.flush()
        return None if notify else next_id[0]

    def read(ids):
        answers = {}
        while len(answers) < len(ids):
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("the server ended before answering")
            answer = json.loads(line)
            if answer.get("id") in ids:
                answers[answer["id"]] = answer
        return answers

    try:
        read({send("initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "large-answers", "version": "1"}})})
        send("notifications/initialized", notify=True)
        start = status(process.pid)["VmRSS"]
        started = time.monotonic()
        for _ in range(calls):
            ids = {send("tools/call", {"name": "auth0_users_list", "arguments": {"per_page": 100}}) for _ in range(concurrent)}
            for answer in read(ids).values():
                result = answer.get("result") or {}
                text = " ".join(c.get("text", "") for c in result.get("content", []))
                if result.get("isError") or "Truncated" not in text:
                    raise RuntimeError(f"not a cut list: {json.dumps(answer)[:300]}")
        seconds = time.monotonic() - started
        peak = status(process.pid)["VmHWM"]
        time.sleep(3)
        settled = status(process.pid)["VmRSS"]
        return start, peak, settled, seconds
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--concurrent", type=int, default=8)
    parser.add_argument("--limits", default="1048576,262144")
    parser.add_argument("command", nargs="?", default="dotnet " + os.path.join(ROOT, "src/Auth0Mcp.Server/bin/Release/net10.0/auth0-mcp.dll"))
    args = parser.parse_args()
    limits = [int(x) for x in args.limits.split(",")]
    argv = shlex.split(args.command)

    stub = QuietServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    home = tempfile.mkdtemp(prefix="large-answers-")
    env = dict(os.environ, AUTH0_DOMAIN="bench.example", AUTH0_MCP_BASE_URL=f"http://127.0.0.1:{stub.server_port}",
               AUTH0_TOKEN="bench-token", AUTH0_MCP_STORE=os.path.join(home, "store.db"), AUTH0_MCP_USER="bench")
    for command in (["tools", "approve", "*"], ["profiles", "create", "bench", "--toolsets", "all-approved", "--users", "bench", "--policy", "auto"]):
        done = subprocess.run(argv + command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"setting up the store failed: {' '.join(command)}: {done.stderr.strip()}")

    load = os.getloadavg()[0]
    results = {limit: [] for limit in limits}
    for round_ in range(args.rounds):
        for limit in limits:
            measured = run(argv, dict(env, AUTH0_MCP_MAX_OUTPUT_BYTES=str(limit)), args.calls, args.concurrent)
            results[limit].append(measured)
            print(f"round {round_ + 1}, limit {limit}: start {measured[0]:.0f} MiB, peak {measured[1]:.0f}, 3 s after {measured[2]:.0f}, {measured[3]:.1f} s", file=sys.stderr)
    stub.shutdown()

    print(f"{args.calls} x {args.concurrent} concurrent calls of 5 MB answers over stdio, {args.rounds} interleaved rounds, "
          f"load {load:.1f} -> {os.getloadavg()[0]:.1f}; medians (min-max)")
    print()
    print("| output limit | RSS at start, MiB | peak RSS, MiB | RSS 3 s after, MiB | seconds for the calls |")
    print("|---|---|---|---|---|")
    for limit in limits:
        column = lambda i: [r[i] for r in results[limit]]
        cell = lambda values, fmt: f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"
        print(f"| {limit} | {cell(column(0), '{:.0f}')} | {cell(column(1), '{:.0f}')} | {cell(column(2), '{:.0f}')} | {cell(column(3), '{:.1f}')} |")


if __name__ == "__main__":
    main()
