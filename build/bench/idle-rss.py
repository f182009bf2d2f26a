#!/usr/bin/env python3
"""Idle memory seen by a client that is not a .NET process (as Node- and Electron-based MCP clients are not).

build/bench-server.sh's harness is itself a .NET process on the same runtime, so the framework's files are mapped by
both it and our server; the kernel never pages out a page two processes map, so the harness's idle figure for our JIT
build keeps the pages the two share. This script drives each server from Python instead, in interleaved rounds
(A B C A B C ...): start it over stdio, `initialize`, read every `tools/list` page, wait 2 s, read the resident set of
the process tree (/proc/PID/status: VmRSS, RssAnon, RssFile, RssShmem). For our servers it then makes three
`tools/call`s (auth0_users_list against a local HTTP stub) and reads the set again 1 s later, so the cost of bringing
pages back shows as the first call's time. The page-out reclaims only pages of files the server's user owns or may
write, and no page another process maps: the header line says which user ran it and how many other dotnet processes
were alive.

Usage: python3 build/bench/idle-rss.py [--rounds N] [--official] NAME=COMMAND [NAME=COMMAND ...]
  COMMAND is the server's command line without `serve` (e.g. "dotnet src/Auth0Mcp.Server/bin/Release/net10.0/auth0-mcp.dll"
  or build/out/aot/auth0-mcp); --official adds Auth0's official server (tests/peers/official-auth0-mcp.sh, installed by
  tests/peers/install.sh). Prints a Markdown table; docs/benchmarks-server.md holds the figures of one run.
"""
import argparse, json, os, shlex, statistics, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Stub(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'[{"user_id":"auth0|1"}]'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def tree(pid):
    """The process and its descendants."""
    pids, frontier = [pid], [pid]
    while frontier:
        nxt = []
        for p in frontier:
            try:
                with open(f"/proc/{p}/task/{p}/children") as f:
                    nxt += [int(c) for c in f.read().split()]
            except OSError:
                pass
        pids += nxt
        frontier = nxt
    return pids


def memory(pid):
    """MiB of VmRSS, RssAnon, RssFile and RssShmem summed over the process tree."""
    total = {"VmRSS": 0.0, "RssAnon": 0.0, "RssFile": 0.0, "RssShmem": 0.0}
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key in total:
                        total[key] += int(value.split()[0]) / 1024
        except OSError:
            pass
    return total


class Session:
    def __init__(self, argv, env):
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.next_id = 0

    def request(self, method, params):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        self.process.stdin.flush()
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"the server ended before answering {method}")
            answer = json.loads(line)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def notify(self, method):
        self.process.stdin.write((json.dumps({"jsonrpc": "2.0", "method": method}) + "\n").encode())
        self.process.stdin.flush()

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def measure(argv, env, calls):
    started = time.monotonic()
    session = Session(argv, env)
    try:
        session.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "idle-rss", "version": "1"}})
        session.notify("notifications/initialized")
        tools, cursor = 0, None
        while True:
            page = session.request("tools/list", {"cursor": cursor} if cursor else {})
            tools += len(page["tools"])
            cursor = page.get("nextCursor")
            if not cursor:
                break
        listed = (time.monotonic() - started) * 1000
        time.sleep(2)
        idle = memory(session.process.pid)
        first, after = None, None
        if calls:
            times = []
            for _ in range(3):
                t = time.monotonic()
                result = session.request("tools/call", {"name": "auth0_users_list", "arguments": {"per_page": 5}})
                times.append((time.monotonic() - t) * 1000)
                if "auth0|1" not in json.dumps(result):
                    raise RuntimeError(f"the call did not reach the stub: {json.dumps(result)[:300]}")
            first = times[0]
            time.sleep(1)
            after = memory(session.process.pid)["VmRSS"]
        return tools, listed, idle, first, after
    finally:
        session.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--official", action="store_true")
    parser.add_argument("servers", nargs="+", metavar="NAME=COMMAND")
    args = parser.parse_args()

    stub = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    home = tempfile.mkdtemp(prefix="idle-rss-")
    env = dict(os.environ, AUTH0_DOMAIN="example.auth0.com", AUTH0_MCP_BASE_URL=f"http://127.0.0.1:{stub.server_port}/api/v2/",
               AUTH0_TOKEN="bench-token", AUTH0_MCP_STORE=os.path.join(home, "store.db"), AUTH0_MCP_USER="bench")
    contenders = []
    for spec in args.servers:
        name, _, command = spec.partition("=")
        if not command:
            parser.error(f"'{spec}' is not NAME=COMMAND")
        contenders.append((name, shlex.split(command) + ["serve"], env, True))
    # Every tool approved and bound to the user, through our first server's own command line.
    setup = contenders[0][1][:-1]
    for command in (["tools", "approve", "*"], ["profiles", "create", "bench", "--toolsets", "all-approved", "--users", "bench", "--policy", "auto"]):
        done = subprocess.run(setup + command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"setting up the store failed: {' '.join(command)}: {done.stderr.strip()}")
    if args.official:
        official_env = dict(os.environ, AUTH0_DOMAIN="127.0.0.1:9", AUTH0_TOKEN="bench-token")
        contenders.append(("Auth0 official", ["bash", os.path.join(ROOT, "tests", "peers", "official-auth0-mcp.sh")], official_env, False))

    with open("/proc/loadavg") as f:
        load_start = f.read().split()[0]
    # Pages another process maps stay resident (the kernel pages out only what one process alone maps): another .NET
    # process on the same runtime keeps the framework's pages in our JIT server's resident set.
    others = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == "dotnet":
                        others.append(entry)
            except OSError:
                pass
    if others:
        print(f"warning: {len(others)} other dotnet process(es) running (pids {', '.join(others[:8])}): they share the framework's "
              "pages with a JIT server, which then stay resident", file=sys.stderr)
    results = {name: [] for name, *_ in contenders}
    for round_ in range(args.rounds):
        for name, argv, contender_env, calls in contenders:
            results[name].append(measure(argv, contender_env, calls))
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    with open("/proc/loadavg") as f:
        load_end = f.read().split()[0]

    print(f"Idle memory, Python client, {args.rounds} interleaved rounds, load {load_start} at the start, {load_end} at the end "
          f"({time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} cores, user {os.geteuid()}, "
          f"{len(others)} other dotnet process(es) at the start)\n")
    print("| server | tools | start to the last page, ms | RSS 2 s after, MiB (min–max) | anonymous | file | shared memory | first call, ms | RSS after 3 calls, MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    med = statistics.median
    for name, runs in results.items():
        rss = [r[2]["VmRSS"] for r in runs]
        first = f"{med([r[3] for r in runs]):.0f}" if runs[0][3] is not None else ""
        after = f"{med([r[4] for r in runs]):.1f}" if runs[0][4] is not None else ""
        print(f"| {name} | {runs[0][0]} | {med([r[1] for r in runs]):.0f} | {med(rss):.1f} ({min(rss):.1f}–{max(rss):.1f}) "
              f"| {med([r[2]['RssAnon'] for r in runs]):.1f} | {med([r[2]['RssFile'] for r in runs]):.1f} | {med([r[2]['RssShmem'] for r in runs]):.1f} "
              f"| {first} | {after} |")


if __name__ == "__main__":
    main()
