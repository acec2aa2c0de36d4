"""The API admission limit: at most N requests run at once, the others wait (no deadlock of
threads against pooled connections); the slot is freed when the response is sent, before a
background task; pages are not limited."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import BackgroundTasks, FastAPI

from kechuang.core.web import AdmissionLimit, api_concurrency


def _app(limit: int, state: dict) -> FastAPI:
    app = FastAPI()
    app.add_middleware(AdmissionLimit, limit=limit)

    async def work() -> dict:
        state["running"] += 1
        state["peak"] = max(state["peak"], state["running"])
        await asyncio.sleep(0.05)
        state["running"] -= 1
        return {"ok": True}

    @app.get("/api/v1/work")
    async def api_work() -> dict:
        return await work()

    @app.get("/page")
    async def page() -> dict:
        return await work()

    @app.get("/api/v1/job")
    async def job(tasks: BackgroundTasks) -> dict:
        async def later() -> None:
            await state["release"].wait()

        tasks.add_task(later)
        return {"queued": True}

    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_at_most_the_limit_of_api_requests_run_at_once():
    state = {"running": 0, "peak": 0}
    async with _client(_app(3, state)) as client:
        answers = await asyncio.gather(*(client.get("/api/v1/work") for _ in range(12)))
    assert [a.status_code for a in answers] == [200] * 12
    assert state["peak"] == 3


async def test_pages_are_not_limited():
    state = {"running": 0, "peak": 0}
    async with _client(_app(1, state)) as client:
        answers = await asyncio.gather(*(client.get("/page") for _ in range(6)))
    assert all(a.status_code == 200 for a in answers) and state["peak"] == 6


async def test_the_slot_is_freed_when_the_response_is_sent_not_after_its_background_task():
    state = {"running": 0, "peak": 0, "release": asyncio.Event()}
    app = _app(1, state)
    sent: list[str] = []

    async def call(path: str) -> None:
        # straight through the ASGI interface: the response is complete before the task ends
        done = asyncio.Event()

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                sent.append(path)
                done.set()

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"t")],
            "server": ("t", 80),
            "client": ("127.0.0.1", 1),
        }
        task = asyncio.create_task(app(scope, receive, send))
        await asyncio.wait_for(done.wait(), 5)
        return task

    job = await call("/api/v1/job")  # its background task is still waiting
    other = await call("/api/v1/work")  # admitted although the job's task runs on
    assert sent == ["/api/v1/job", "/api/v1/work"] and not job.done()
    state["release"].set()
    await asyncio.wait_for(asyncio.gather(job, other), 5)


def test_the_default_limit_is_half_the_pool(monkeypatch):
    from kechuang.core.config import get_settings

    monkeypatch.setenv("KECHUANG_DB_POOL_SIZE", "7")
    monkeypatch.setenv("KECHUANG_DB_MAX_OVERFLOW", "5")
    get_settings.cache_clear()
    try:
        assert api_concurrency() == 6
        monkeypatch.setenv("KECHUANG_API_CONCURRENCY", "4")
        get_settings.cache_clear()
        assert api_concurrency() == 4
    finally:
        get_settings.cache_clear()
