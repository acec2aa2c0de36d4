"""Load test: a realistic mix of API calls at a fixed rate against a running `kechuang serve`.

An open-loop generator (asyncio + httpx, no other dependency): requests start on a fixed
schedule whatever the server's speed, so a slow server shows as latency, not as a lower rate
(no coordinated omission); latency is measured from each request's scheduled start. At most
--max-in-flight requests are outstanding; a request that would exceed it is counted as an error.

The mix, per 100 requests (weights in MIX): enterprise list pages with filters and sorts (30),
enterprise detail with figures (20), enterprise registry revisions (8), zone detail (6), zone ranking (8), points top list
(8), points card (8), tier candidates (4), zones list (5), token login (1, argon2 included), a
zone-filtered Excel export (2); plus one import job a minute (an enterprise_years file of 50 rows
posted to /api/v1/imports as a dry run, followed on /jobs/{id} to its end: parse, check and the
writer lock without changing the figures; --real-imports stores it instead).

The server's resident memory (its process and children, e.g. API workers) is sampled every 10 s
from /proc when the server runs on this machine (found from the port, or --server-pid).

    kechuang demo --build-only --enterprises 100000        # with KECHUANG_DATABASE_URL=postgresql://…
    kechuang serve --port 8080                             # or: serve --api-only --workers 2
    .venv/bin/python bench/bench_load.py                   # 200 requests/s for 300 s
    .venv/bin/python bench/bench_load.py --soak            # 50 requests/s for 1800 s, RSS growth
    .venv/bin/python bench/bench_load.py --rate 50 --duration 30   # a quick look

Goals (issue 17): no error; p99 ≤ 100 ms for every read endpoint; the achieved rate within 5 % of
the target; in the soak, RSS growth < 10 % between the first and the last tenth of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

GOAL_P99_MS = 100.0
GOAL_RSS_GROWTH = 0.10
GOAL_RATE_SHORTFALL = 0.05
DEMO_PASSWORD = "kechuang2026"

# endpoint name → weight; names are the route templates reported in the table
MIX = {
    "GET /enterprises (list)": 30,
    "GET /enterprises/{id}": 20,
    "GET /enterprises/{id}/revisions": 8,
    "GET /zones/{id}": 6,
    "GET /evaluation/ranking": 8,
    "GET /points/top": 8,
    "GET /points/enterprises/{id}": 8,
    "GET /tiers/candidates": 4,
    "GET /zones": 5,
    "POST /auth/token": 1,
    "GET /exports/enterprises (zone)": 2,
}
WRITES = {"POST /auth/token", "POST /imports", "GET /jobs/{id}"}
# an export builds a spreadsheet: a download, not a page read, so it has no 100 ms goal
NOT_READS = WRITES | {"GET /exports/enterprises (zone)"}


@dataclass
class Stats:
    """Latencies (ms) and errors per endpoint."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    sent: int = 0
    refused: int = 0

    def add(self, name: str, ms: float, error: str | None) -> None:
        """Record one request."""
        self.latencies.setdefault(name, []).append(ms)
        if error:
            self.errors[name] = self.errors.get(name, 0) + 1
            self.messages.setdefault(name, error)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of the values."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def server_pids(port: int) -> list[int]:
    """The processes listening on the port (from /proc/net/tcp and each process's sockets)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(parts[9])
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    pids.append(int(proc.name))
                    break
        except OSError:
            continue
    return sorted(pids)


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def loadavg() -> str:
    """The machine's load averages: the generator and the server share its cores."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def import_file(uscc_revenue: list[tuple[str, int, float]], bump: float) -> bytes:
    """An enterprise_years .xlsx of (USCC, year, revenue) rows, revenue times (1 + bump)."""
    from xlsxwriter import Workbook

    out = io.BytesIO()
    book = Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("数据")
    sheet.write_row(0, 0, ["统一社会信用代码", "年度", "营业收入(万元)"])
    for i, (uscc, year, revenue) in enumerate(uscc_revenue, start=1):
        sheet.write_row(i, 0, [uscc, year, round(revenue * (1 + bump), 2)])
    book.close()
    return out.getvalue()


class Load:
    """One run: logins, the sample of ids, the schedule and the report."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.base = args.base_url.rstrip("/") + "/api/v1"
        self.stats = Stats()
        self.rng = random.Random(args.seed)
        self.tokens: dict[str, str] = {}
        self.enterprise_ids: list[int] = []
        self.zone_ids: list[int] = []
        self.years: list[int] = []
        self.import_rows: list[tuple[str, int, float]] = []
        self.in_flight = 0

    def headers(self, user: str = "admin") -> dict[str, str]:
        """Bearer headers for a logged-in demo user."""
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    async def login(self, client: httpx.AsyncClient, user: str) -> httpx.Response:
        """POST /auth/token with the demo password."""
        return await client.post(
            f"{self.base}/auth/token", data={"username": user, "password": self.args.password}
        )

    async def prepare(self, client: httpx.AsyncClient) -> None:
        """Log in as the bureau and a zone admin; sample enterprise ids, zones and years."""
        for user in ("admin", "yzhtz"):
            for _ in range(10):  # a server that has just started may still hold the writer lock
                r = await self.login(client, user)
                if r.status_code != 503:
                    break
                await asyncio.sleep(1)
            r.raise_for_status()
            self.tokens[user] = r.json()["access_token"]
        zones = (await client.get(f"{self.base}/zones", headers=self.headers())).json()
        self.zone_ids = [z["id"] for z in zones]
        ids: list[int] = []
        for page in (1, 2, 3, 50, 100):
            r = await client.get(
                f"{self.base}/enterprises",
                params={"page": page, "page_size": 500},
                headers=self.headers(),
            )
            r.raise_for_status()
            body = r.json()
            ids += [e["id"] for e in body["items"]]
            self.years = self.years or sorted({e["year"] for e in body["items"] if e["year"]})
        self.enterprise_ids = ids
        year = self.years[-1] if self.years else None
        for eid in ids[:80]:
            r = await client.get(f"{self.base}/enterprises/{eid}", headers=self.headers())
            body = r.json()
            # the enterprise's own latest revenue, so that every other check still passes
            latest = [y for y in body.get("years", []) if y["year"] == year]
            if latest and latest[-1]["operating_revenue"] and len(self.import_rows) < 50:
                self.import_rows.append((body["uscc"], year, latest[-1]["operating_revenue"]))
        print(
            f"准备完成：{len(self.zone_ids)} 个高新区，抽样 {len(ids)} 家企业，"
            f"最新年度 {year}，导入文件 {len(self.import_rows)} 行"
        )

    def request_for(self, name: str) -> tuple[str, str, dict, str]:
        """(method, url, params, user) for one request of the named kind."""
        eid = self.rng.choice(self.enterprise_ids)
        zid = self.rng.choice(self.zone_ids)
        year = self.years[-1] if self.years else 2024
        user = "yzhtz" if self.rng.random() < 0.2 else "admin"
        if name == "GET /enterprises (list)":
            params: dict = {"page": self.rng.randint(1, 50), "page_size": 20}
            pick = self.rng.random()
            if pick < 0.3 and user == "admin":
                params["zone_id"] = zid
            elif pick < 0.45:
                params["q"] = self.rng.choice(["科技", "智能", "扬州", "新材料", "医药"])
            elif pick < 0.6:
                params["sort"] = self.rng.choice(["name", "founded_on", "uscc"])
                params["descending"] = self.rng.random() < 0.5
            return "GET", f"{self.base}/enterprises", params, user
        if name == "GET /enterprises/{id}":
            return "GET", f"{self.base}/enterprises/{eid}", {}, "admin"
        if name == "GET /enterprises/{id}/revisions":
            return "GET", f"{self.base}/enterprises/{eid}/revisions", {}, "admin"
        if name == "GET /zones/{id}":
            return "GET", f"{self.base}/zones/{zid}", {}, "admin"
        if name == "GET /evaluation/ranking":
            return "GET", f"{self.base}/evaluation/ranking", {"year": year}, user
        if name == "GET /points/top":
            return "GET", f"{self.base}/points/top", {"n": 50}, "admin"
        if name == "GET /points/enterprises/{id}":
            return "GET", f"{self.base}/points/enterprises/{eid}", {}, "admin"
        if name == "GET /tiers/candidates":
            family = self.rng.choice(["tech_sme", "hnte", "gazelle"])
            params = {"family": family, "year": year, "limit": 50}
            return "GET", f"{self.base}/tiers/candidates", params, "admin"
        if name == "GET /zones":
            return "GET", f"{self.base}/zones", {}, user
        if name == "GET /exports/enterprises (zone)":
            return "GET", f"{self.base}/exports/enterprises", {"zone_id": zid}, "admin"
        raise ValueError(name)

    async def one(self, client: httpx.AsyncClient, name: str, scheduled: float) -> None:
        """Send one request of the mix and record its latency from the scheduled start."""
        error = None
        try:
            if name == "POST /auth/token":
                r = await self.login(client, "admin")
            else:
                method, url, params, user = self.request_for(name)
                r = await client.request(method, url, params=params, headers=self.headers(user))
            if r.status_code >= 400:
                error = f"HTTP {r.status_code}: {r.text[:160]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        self.stats.add(name, (time.perf_counter() - scheduled) * 1000, error)

    async def import_job(self, client: httpx.AsyncClient, minute: int) -> None:
        """Post the minute's import and follow its job until it ends."""
        content = import_file(self.import_rows, bump=minute * 0.001)
        start = time.perf_counter()
        error = None
        try:
            r = await client.post(
                f"{self.base}/imports",
                data={
                    "kind": "enterprise_years",
                    "dry_run": "false" if self.args.real_imports else "true",
                    "confirm_duplicate": "true",
                },
                files={"file": (f"负载测试_{minute}.xlsx", content)},
                headers=self.headers(),
            )
            if r.status_code != 202:
                error = f"HTTP {r.status_code}: {r.text[:160]}"
            else:
                job_id = r.json()["id"]
                for _ in range(600):
                    t = time.perf_counter()
                    j = await client.get(f"{self.base}/jobs/{job_id}", headers=self.headers())
                    self.stats.add(
                        "GET /jobs/{id}",
                        (time.perf_counter() - t) * 1000,
                        None if j.status_code == 200 else f"HTTP {j.status_code}",
                    )
                    state = j.json().get("state")
                    if state in ("done", "rejected", "failed", "cancelled"):
                        if state != "done":
                            error = f"任务 #{job_id} {state}: {j.json().get('error')}"
                        break
                    await asyncio.sleep(0.5)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        self.stats.add("POST /imports (job to end)", (time.perf_counter() - start) * 1000, error)

    async def sample_rss(self, pid: int | None, samples: list[tuple[float, float]]) -> None:
        """Every 10 s, the server's resident memory (process tree)."""
        if pid is None:
            return
        start = time.perf_counter()
        while True:
            samples.append((time.perf_counter() - start, tree_rss_mb(pid)))
            await asyncio.sleep(10)

    async def run(self) -> int:
        """Warm up, run the schedule, print the report; 0 when every goal is met."""
        args = self.args
        limits = httpx.Limits(max_connections=args.max_in_flight, max_keepalive_connections=64)
        timeout = httpx.Timeout(args.timeout)
        async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
            await self.prepare(client)
            names = list(MIX)
            weights = [MIX[n] for n in names]
            # warm-up: every endpoint once, not counted
            for name in names:
                await self.one(client, name, time.perf_counter())
            self.stats = Stats()
            pid = args.server_pid or (server_pids(args.port) or [None])[0]
            rss: list[tuple[float, float]] = []
            sampler = asyncio.create_task(self.sample_rss(pid, rss))
            load_start = loadavg()
            interval = 1.0 / args.rate
            total = int(args.rate * args.duration)
            tasks: set[asyncio.Task] = set()
            begin = time.perf_counter()
            next_import = 0
            for i in range(total):
                scheduled = begin + i * interval
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if scheduled - begin >= next_import * 60:
                    task = asyncio.create_task(self.import_job(client, next_import))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    next_import += 1
                if len(tasks) >= args.max_in_flight:
                    self.stats.refused += 1
                    self.stats.add("（客户端积压）", 0.0, "在途请求已达上限")
                    continue
                task = asyncio.create_task(
                    self.one(client, self.rng.choices(names, weights)[0], scheduled)
                )
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                self.stats.sent += 1
            sent_for = time.perf_counter() - begin
            if tasks:
                await asyncio.wait(tasks, timeout=args.timeout + 60)
            sampler.cancel()
            return self.report(sent_for, rss, pid, load_start)

    def report(
        self, sent_for: float, rss: list[tuple[float, float]], pid: int | None, load_start: str
    ) -> int:
        """Print latency per endpoint, errors, the achieved rate, RSS and the goals."""
        args, st = self.args, self.stats
        print(f"\n目标 {args.rate} 次/秒 × {args.duration} 秒；服务 {args.base_url}")
        print(
            f"{'接口':36} {'次数':>7} {'错误':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'最大 ms':>9}"
        )
        worst_read = 0.0
        for name in sorted(st.latencies, key=lambda n: -len(st.latencies[n])):
            v = st.latencies[name]
            p99 = percentile(v, 99)
            if name not in NOT_READS and not name.startswith("POST") and name in MIX:
                worst_read = max(worst_read, p99)
            print(
                f"{name:36} {len(v):7d} {st.errors.get(name, 0):5d} {percentile(v, 50):8.1f} "
                f"{percentile(v, 95):8.1f} {p99:8.1f} {max(v):9.1f}"
            )
        every = [x for n, v in st.latencies.items() if n in MIX for x in v]
        if every:
            print(
                f"{'全部（混合）':34} {len(every):7d} {sum(st.errors.values()):5d} "
                f"{percentile(every, 50):8.1f} {percentile(every, 95):8.1f} "
                f"{percentile(every, 99):8.1f} {max(every):9.1f}"
            )
        for name, message in st.messages.items():
            print(f"  首个错误 {name}：{message}")
        achieved = st.sent / sent_for if sent_for else 0.0
        print(f"\n实际发送速率 {achieved:.1f} 次/秒（{st.sent} 次 / {sent_for:.1f} 秒）")
        print(f"负载（1/5/15 分钟）：开始 {load_start}，结束 {loadavg()}")
        growth = None
        if rss and len(rss) >= 3:
            tenth = max(1, len(rss) // 10)
            first = statistics.median(m for _, m in rss[:tenth])
            last = statistics.median(m for _, m in rss[-tenth:])
            growth = (last - first) / first if first else None
            print(
                f"服务进程 {pid} 常驻内存：开始 {first:.0f} MB，结束 {last:.0f} MB，"
                f"最高 {max(m for _, m in rss):.0f} MB，增长 {growth * 100:+.1f}%"
            )
        else:
            print("未采样服务进程内存（服务不在本机，或运行时间不足 30 秒）")
        goals = [
            ("无错误", sum(st.errors.values()) == 0, f"{sum(st.errors.values())} 个错误"),
            (
                f"读接口 p99 ≤ {GOAL_P99_MS:.0f} ms",
                worst_read <= GOAL_P99_MS,
                f"最慢读接口 p99 {worst_read:.1f} ms",
            ),
            (
                f"实际速率不低于目标的 {100 - GOAL_RATE_SHORTFALL * 100:.0f}%",
                achieved >= args.rate * (1 - GOAL_RATE_SHORTFALL),
                f"{achieved:.1f} 次/秒",
            ),
        ]
        if args.soak:
            goals.append(
                (
                    f"常驻内存增长 < {GOAL_RSS_GROWTH * 100:.0f}%",
                    growth is not None and growth < GOAL_RSS_GROWTH,
                    "未采样" if growth is None else f"{growth * 100:+.1f}%",
                )
            )
        print("\n目标：")
        for label, ok, value in goals:
            print(f"  {'PASS' if ok else 'FAIL'}  {label}（{value}）")
        return 0 if all(ok for _, ok, _ in goals) else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; --soak sets 50 requests/s for 1800 s unless given."""
    p = argparse.ArgumentParser(description="kechuang API 负载测试")
    p.add_argument("--base-url", default="http://127.0.0.1:8080")
    p.add_argument("--rate", type=float, default=None, help="每秒请求数（默认 200；--soak 为 50）")
    p.add_argument("--duration", type=float, default=None, help="秒（默认 300；--soak 为 1800）")
    p.add_argument("--soak", action="store_true", help="长时间运行，检查常驻内存增长")
    p.add_argument("--password", default=DEMO_PASSWORD, help="演示账号 admin 与 yzhtz 的密码")
    p.add_argument("--server-pid", type=int, default=None, help="服务进程号（默认按端口查找）")
    p.add_argument("--max-in-flight", type=int, default=256)
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--real-imports", action="store_true", help="每分钟的导入真正保存（默认只校验）")
    args = p.parse_args(argv)
    args.rate = args.rate or (50.0 if args.soak else 200.0)
    args.duration = args.duration or (1800.0 if args.soak else 300.0)
    args.port = httpx.URL(args.base_url).port or 80
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the load test and exit non-zero when a goal is missed."""
    return asyncio.run(Load(parse(argv)).run())


if __name__ == "__main__":
    sys.exit(main())
