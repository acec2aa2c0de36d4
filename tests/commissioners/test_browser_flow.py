"""NEEDS THE ENGINES (engines.matching, engines.text): the lead runs this after merging them.

A real browser (Debian's chromium) against a real server built with the CLI: a village 信息员 posts a
demand on a phone viewport (390×844), the 宝应 county admin asks for suggestions and confirms one
(suggest.py → engines), the commissioner approves and logs a visit on his phone, the 信息员 approves
the agreement and confirms the visit, and the bureau's annual assessment table counts it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from servers import served
from sheets import xlsx

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROME_BINARY_LOCATION") or shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
PHONE = (390, 844)
PASSWORD = "browser-pass-123"
HEADER = [
    "类型",
    "名称",
    "派出单位",
    "职称级别",
    "专业特长",
    "服务产业",
    "问题类型",
    "所在区县代码",
    "服务区县代码",
    "选派年度",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server on a fresh SQLite file: two commissioners and a login of each role, by the CLI."""
    if not (CHROMIUM and DRIVER):
        pytest.skip("未安装 chromium/chromedriver，跳过真实浏览器测试（.ci/run 会安装）")
    tmp = tmp_path_factory.mktemp("cm-browser")
    env = {
        **os.environ,
        "KECHUANG_DATABASE_URL": f"sqlite:///{tmp / 'b.db'}",
        "KECHUANG_VAR_DIR": str(tmp / "var"),
        "KECHUANG_SECRET_KEY": "browser-test-secret-key-not-the-default",
    }
    cli = [sys.executable, "-m", "kechuang.cli"]

    def run(*args: str) -> None:
        done = subprocess.run([*cli, *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr

    run("db", "upgrade")
    register = tmp / "名册.xlsx"
    register.write_bytes(
        xlsx(
            HEADER,
            [
                [
                    "个人",
                    "浏览器·藕专家",
                    "扬州大学",
                    "正高",
                    "荷藕 莲藕 土壤修复 连作障碍",
                    "莲藕",
                    "土壤修复",
                    "321023",
                    "321023",
                    2024,
                ],
                [
                    "个人",
                    "浏览器·猪专家",
                    "扬州大学",
                    "副高",
                    "生猪 疫病防控 粪污",
                    "畜禽",
                    "疫病防控",
                    "321023",
                    "321023",
                    2024,
                ],
            ],
        )
    )
    run("commissioners", "import", str(register))
    for name, role, extra in (
        ("xinxi", "village_informant", ["--region", "321023101"]),
        ("byadmin", "county_admin", ["--region", "321023"]),
        ("tpy", "commissioner", ["--commissioner", "1"]),
        ("shi", "city_admin", []),
    ):
        run("user", "add", name, "--role", role, "--password", PASSWORD, *extra)
    with served(cli, env) as base:
        yield base


def _driver(phone: bool):
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
        "--lang=zh-CN",
        "--window-size=1400,900",
    ):
        options.add_argument(arg)
    if phone:
        options.add_experimental_option(
            "mobileEmulation",
            {"deviceMetrics": {"width": PHONE[0], "height": PHONE[1], "pixelRatio": 3.0}},
        )
    return webdriver.Chrome(service=Service(DRIVER), options=options)


class Session:
    """One person's browser."""

    def __init__(self, base: str, username: str, phone: bool = False) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.base, self.d = base, _driver(phone)
        self.wait = WebDriverWait(self.d, 30)
        self.login(username)

    def login(self, username: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        self.d.get(f"{self.base}/login")
        self.wait.until(ec.presence_of_element_located((By.XPATH, "//input[@type='text']")))
        inputs = self.d.find_elements(By.TAG_NAME, "input")
        inputs[0].send_keys(username)
        inputs[1].send_keys(PASSWORD)
        self.d.find_element(By.XPATH, "//button[.//span[contains(., '登录')]]").click()
        self.wait.until(lambda d: "/login" not in d.current_url)

    def open(self, path: str, text: str) -> None:
        self.d.get(f"{self.base}{path}")
        self.see(text)

    def see(self, text: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        self.wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), text))

    def field(self, label: str):
        from selenium.webdriver.common.by import By

        xpath = f"//label[.//*[contains(normalize-space(.), '{label}')]]//*[self::input or self::textarea]"
        found = self.wait.until(
            lambda d: next((e for e in d.find_elements(By.XPATH, xpath) if e.is_displayed()), None)
        )
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", found)
        return found

    def click(self, text: str, index: int = 0) -> None:
        from selenium.webdriver.common.by import By

        xpath = f"//button[.//*[normalize-space(.)='{text}']]"
        self.wait.until(lambda d: len(d.find_elements(By.XPATH, xpath)) > index)
        button = self.d.find_elements(By.XPATH, xpath)[index]
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        button.click()

    def shot(self, name: str) -> None:
        out = Path(os.environ.get("KECHUANG_SCREENSHOT_DIR", "var"))
        out.mkdir(parents=True, exist_ok=True)
        self.d.save_screenshot(str(out / name))

    def close(self) -> None:
        self.d.quit()


def test_informant_to_assessment(server):
    from selenium.webdriver.common.keys import Keys

    # 1. the 信息员 posts a demand on his phone
    xinxi = Session(server, "xinxi", phone=True)
    try:
        xinxi.open("/demands/new", "发布服务需求")
        width = xinxi.d.execute_script("return document.documentElement.scrollWidth")
        assert width <= PHONE[0] + 1  # nothing wider than the phone: no sideways scrolling
        xinxi.field("需求标题").send_keys("藕塘连作土壤退化")
        xinxi.field("问题描述").send_keys("连作五年的藕塘产量下降三成，想请专家看看土壤")
        xinxi.field("服务对象（姓名").send_keys("浏览器·李大伯")
        xinxi.click("发布需求")
        xinxi.see("已发布：需求 #1")
        xinxi.shot("cm-phone-demand.png")
    finally:
        xinxi.close()
    # 2. the county admin asks for suggestions and confirms the first
    admin = Session(server, "byadmin")
    try:
        admin.open("/commissioners/queue", "藕塘连作土壤退化")
        admin.click("推荐特派员")
        admin.see("浏览器·藕专家（匹配度")
        admin.click("确认")
        admin.see("三方协议待特派员和服务对象同意")
    finally:
        admin.close()
    # 3. the commissioner approves and logs a visit on his phone
    tpy = Session(server, "tpy", phone=True)
    try:
        tpy.open("/commissioners/me", "藕塘连作土壤退化")
        tpy.click("同意服务协议")
        tpy.see("已同意")
    finally:
        tpy.close()
    xinxi = Session(server, "xinxi", phone=True)
    try:
        xinxi.open("/demands", "藕塘连作土壤退化")
        xinxi.click("同意服务协议")
        xinxi.see("服务中")
    finally:
        xinxi.close()
    tpy = Session(server, "tpy", phone=True)
    try:
        tpy.open("/commissioners/me", "填写服务日志")
        header = tpy.d.find_element(
            "xpath", "//div[contains(@class, 'q-item')][.//*[normalize-space(.)='填写服务日志']]"
        )
        tpy.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", header)
        header.click()  # open the log form
        days = tpy.field("在岗天数")
        for key in (Keys.END, Keys.BACKSPACE, "1", ".", "5", Keys.TAB):
            days.send_keys(key)
            time.sleep(0.3)  # let the page echo each change before the next key
        tpy.field("服务内容").send_keys("现场取土样，讲解深翻晒垡和秸秆还田")
        assert tpy.field("在岗天数").get_attribute("value") == "1.5"
        tpy.click("提交日志")
        tpy.see("待服务对象确认")
        tpy.shot("cm-phone-log.png")
    finally:
        tpy.close()
    # 4. the 信息员 confirms the visit
    xinxi = Session(server, "xinxi", phone=True)
    try:
        xinxi.open("/demands", "待确认的服务")
        xinxi.click("确认属实")
        xinxi.see("已确认")
    finally:
        xinxi.close()
    # 5. the bureau's assessment counts it
    city = Session(server, "shi")
    try:
        city.open("/commissioners/assessment", "特派员年度考核")
        city.click("进行考核")
        city.see("考核完成")
        city.see("浏览器·藕专家")
        token = httpx.post(
            f"{server}/api/v1/auth/token", data={"username": "shi", "password": PASSWORD}
        ).json()["access_token"]
        rows = httpx.get(
            f"{server}/api/v1/commissioners/assessment?year={date.today().year}",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        row = next(r for r in rows if r["name"] == "浏览器·藕专家")
        assert row["visits"] == 1 and row["days"] == 1.5
        city.shot("cm-assessment.png")
    finally:
        city.close()
