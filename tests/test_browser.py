"""A real browser (Debian's chromium) against a real server: log in, open the enterprise list.

The server runs in its own process on its own SQLite file, built with the CLI exactly as an
operator would (db upgrade, import, user add). Skipped with a message where no browser exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from factories import make_uscc
from servers import served
from sheets import xlsx

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROME_BINARY_LOCATION") or shutil.which("chromium")
DRIVER = shutil.which("chromedriver")


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
    uscc = make_uscc()
    sheet = tmp / "名录.xlsx"
    sheet.write_bytes(
        xlsx(
            ["统一社会信用代码", "企业名称", "所属高新区"],
            [[uscc, "扬州浏览器测试科技有限公司", "扬州高新区"]],
        )
    )
    figures = tmp / "年报.xlsx"
    figures.write_bytes(xlsx(["统一社会信用代码", "年度", "营业收入(万元)"], [[uscc, 2024, 5000]]))
    for args in (
        ["import", "enterprises", str(sheet)],
        ["import", "enterprise_years", str(figures)],
        ["user", "add", "browser", "--role", "city_admin", "--password", "browser-pass"],
        ["user", "add", "zone_b", "--role", "zone_admin", "--password", "zone-b-pass-2026",
         "--zone", "扬州高新区"],
        ["user", "add", "ent_b", "--role", "enterprise_user", "--password", "ent-b-pass-2026",
         "--enterprise", uscc],
    ):  # fmt: skip
        done = subprocess.run([*cli, *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    (tmp / "更正.xlsx").write_bytes(
        xlsx(["统一社会信用代码", "年度", "营业收入(万元)"], [[uscc, 2024, 6000]])
    )
    with served(cli, env) as base:
        yield {"base": base, "tmp": tmp}


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


def _log_in(browser, base: str, username: str, password: str) -> None:
    """Log in through the form (after dropping any earlier session) and wait for the start page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.delete_all_cookies()
    browser.get(f"{base}/login")
    wait = WebDriverWait(browser, 20)
    wait.until(ec.presence_of_element_located((By.XPATH, "//input[@type='text']")))
    inputs = browser.find_elements(By.TAG_NAME, "input")
    inputs[0].send_keys(username)
    inputs[1].send_keys(password)
    browser.find_element(By.XPATH, "//button[.//span[contains(., '登录')]]").click()
    wait.until(lambda b: "/login" not in b.current_url)


def _wait_text(browser, text: str, timeout: float = 20) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout).until(
        lambda b: text in b.find_element(By.TAG_NAME, "body").text, f"没有看到“{text}”"
    )


def _wait_revenue_2024(browser, shown: str, timeout: float = 20) -> None:
    """Wait until the zone page's yearly table (营业收入 in 亿元) shows `shown` for 2024."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def cell(b):
        heads = [
            th.text
            for th in b.find_elements(
                By.XPATH, "//table[.//th[contains(., '营业收入（亿元）')]]//th"
            )
        ]
        rows = b.find_elements(
            By.XPATH,
            "//table[.//th[contains(., '营业收入（亿元）')]]//tr[td[1][normalize-space()='2024']]",
        )
        if not rows or not heads:
            return None
        cells = [td.text for td in rows[0].find_elements(By.TAG_NAME, "td")]
        column = next(i for i, h in enumerate(heads) if "营业收入（亿元）" in h)
        return cells[column] if column < len(cells) else None

    WebDriverWait(browser, timeout).until(lambda b: cell(b) == shown, f"2024年营业收入不是 {shown}")


def _screenshot(browser, name: str) -> None:
    out = Path(os.environ.get("KECHUANG_SCREENSHOT_DIR", "var"))
    out.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(out / name))


def test_login_then_enterprise_list(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base = server["base"]
    _log_in(browser, base, "browser", "browser-pass")
    browser.get(f"{base}/enterprises")
    WebDriverWait(browser, 20).until(
        ec.presence_of_element_located(
            (By.XPATH, "//td//a[contains(., '扬州浏览器测试科技有限公司')]")
        )
    )
    assert "共 1 家" in browser.find_element(By.TAG_NAME, "body").text
    _screenshot(browser, "browser-enterprises.png")


def test_a_correction_reaches_the_dashboard_only_after_approval(server, browser):
    """The enterprise submits a corrected revenue (6000 for 5000); the zone admin's dashboard
    keeps 5000 until she approves it on the review page, then shows 6000."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base = server["base"]
    _log_in(browser, base, "ent_b", "ent-b-pass-2026")
    browser.get(f"{base}/imports")
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "input[type=file]"))
    upload = browser.find_element(By.CSS_SELECTOR, "input[type=file]")
    upload.send_keys(str(server["tmp"] / "更正.xlsx"))
    _wait_text(browser, "已提交审核", 60)
    _screenshot(browser, "browser-submission.png")

    _log_in(browser, base, "zone_b", "zone-b-pass-2026")
    browser.get(f"{base}/")  # the zone admin lands on her zone's page: revenue in 亿元 by year
    _wait_revenue_2024(browser, "0.50")  # 5,000万元
    browser.get(f"{base}/review")
    _wait_text(browser, "扬州浏览器测试科技有限公司 2024年")
    _wait_text(browser, "+20.00%")
    _screenshot(browser, "browser-review.png")
    browser.find_element(By.XPATH, "//button[.//span[contains(., '审核通过')]]").click()
    _wait_text(browser, "已通过")
    browser.get(f"{base}/")
    _wait_revenue_2024(browser, "0.60")  # 6,000万元
    _screenshot(browser, "browser-dashboard-after-approval.png")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """A kechuang server on the demo database, built by `kechuang demo --build-only`."""
    if not (CHROMIUM and DRIVER):
        pytest.skip("未安装 chromium/chromedriver，跳过真实浏览器测试（.ci/run 会安装）")
    tmp = tmp_path_factory.mktemp("browser_demo")
    env = {
        **os.environ,
        "KECHUANG_DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
        "KECHUANG_VAR_DIR": str(tmp / "var"),
        "KECHUANG_SECRET_KEY": "browser-test-secret-key-not-the-default",
    }
    cli = [sys.executable, "-m", "kechuang.cli"]
    prebuilt = os.environ.get("KECHUANG_TEST_DEMO_DB")  # a demo database built before (faster)
    if prebuilt:
        shutil.copyfile(prebuilt, tmp / "demo.db")
    else:
        done = subprocess.run(
            [*cli, "demo", "--build-only"], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
    with served(cli, env, attempts=150, failure="演示服务未能启动") as base:
        yield {"base": base}


COCKPIT_TILES = ("targets", "zones", "tiers", "points", "commissioners", "programs", "carriers")


def test_cockpit_fills_a_1920x1080_screen_with_no_empty_tile(demo_server, browser):
    """The leadership cockpit on the demo at 1920×1080: seven tiles, each with figures and a
    chart (or the targets list), none showing a no-data message, each linking to its detail
    page, all on one screen."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from kechuang.demo.loader import DEMO_PASSWORD

    base = demo_server["base"]
    _log_in(browser, base, "admin", DEMO_PASSWORD)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        browser.get(f"{base}/plan/cockpit")
        WebDriverWait(browser, 90).until(
            lambda b: len(b.find_elements(By.CSS_SELECTOR, ".kc-tile")) == len(COCKPIT_TILES)
        )
        # every chart has drawn its canvas
        WebDriverWait(browser, 30).until(
            lambda b: all(
                t.find_elements(By.TAG_NAME, "canvas")
                for t in b.find_elements(By.CSS_SELECTOR, ".kc-tile")
            )
        )
        time.sleep(1)  # ECharts' entry animation
        _screenshot(browser, "browser-cockpit-1920x1080.png")
        empty = [
            t.get_attribute("class")
            for t in browser.find_elements(By.CSS_SELECTOR, ".kc-tile-empty")
        ]
        assert empty == [], f"空白板块：{empty}"
        for key in COCKPIT_TILES:
            tile = browser.find_element(By.CSS_SELECTOR, f".kc-tile-{key}")
            # no tile-level message (a target's own status may well read 暂无数据)
            assert not tile.find_elements(By.CSS_SELECTOR, ".kc-tile-message"), (key, tile.text)
            assert "无权" not in tile.text, (key, tile.text)
            values = tile.find_elements(By.CSS_SELECTOR, ".kc-stat-value")
            assert values and all(v.text.strip() for v in values), key
            links = [a.get_attribute("href") for a in tile.find_elements(By.TAG_NAME, "a")]
            assert any(h and h.startswith(base) and "详情" in tile.text for h in links), key
        targets = browser.find_element(By.CSS_SELECTOR, ".kc-tile-targets")
        assert len(targets.find_elements(By.TAG_NAME, "a")) > 5  # the targets list, each a link
        size = browser.execute_script(
            "const g = document.querySelector('.kc-cockpit').getBoundingClientRect();"
            "return [g.right, g.bottom, window.innerWidth, window.innerHeight];"
        )
        assert size[2:] == [1920, 1080]
        assert size[0] <= 1920 and size[1] <= 1080, f"驾驶舱超出一屏：{size}"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
