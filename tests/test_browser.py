"""A real browser (Debian's chromium) against a real server: log in, open the enterprise list.

The server runs in its own process on its own SQLite file, built with the CLI exactly as an
operator would (db upgrade, import, user add). Skipped with a message where no browser exists.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from factories import make_uscc
from sheets import xlsx

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROME_BINARY_LOCATION") or shutil.which("chromium")
DRIVER = shutil.which("chromedriver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A kechuang server on a fresh SQLite database with one enterprise and one user."""
    if not (CHROMIUM and DRIVER):
        pytest.skip("未安装 chromium/chromedriver，跳过真实浏览器测试（.ci/run 会安装）")
    tmp = tmp_path_factory.mktemp("browser")
    env = {
        **os.environ,
        "KECHUANG_DATABASE_URL": f"sqlite:///{tmp / 'b.db'}",
        "KECHUANG_VAR_DIR": str(tmp / "var"),
        "KECHUANG_SECRET_KEY": "browser-test-secret-key-not-the-default",  # serve refuses the default
    }
    cli = [sys.executable, "-m", "kechuang.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    sheet = tmp / "名录.xlsx"
    sheet.write_bytes(
        xlsx(
            ["统一社会信用代码", "企业名称", "所属高新区"],
            [[make_uscc(), "扬州浏览器测试科技有限公司", "扬州高新区"]],
        )
    )
    subprocess.run(
        [*cli, "import", "enterprises", str(sheet)], env=env, check=True, capture_output=True
    )
    subprocess.run(
        [*cli, "user", "add", "browser", "--role", "city_admin", "--password", "browser-pass"],
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("服务未能启动")
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    """Headless chromium through Debian's chromedriver (nothing is downloaded)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,900",
        "--lang=zh-CN",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def test_login_then_enterprise_list(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 20)
    browser.get(f"{server}/login")
    wait.until(ec.presence_of_element_located((By.XPATH, "//input[@type='text']")))
    inputs = browser.find_elements(By.TAG_NAME, "input")
    inputs[0].send_keys("browser")
    inputs[1].send_keys("browser-pass")
    browser.find_element(By.XPATH, "//button[.//span[contains(., '登录')]]").click()
    wait.until(ec.url_to_be(f"{server}/"))
    browser.get(f"{server}/enterprises")
    wait.until(
        ec.presence_of_element_located(
            (By.XPATH, "//td//a[contains(., '扬州浏览器测试科技有限公司')]")
        )
    )
    assert "共 1 家" in browser.find_element(By.TAG_NAME, "body").text
    out = Path(os.environ.get("KECHUANG_SCREENSHOT_DIR", "var"))
    out.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(out / "browser-enterprises.png"))
