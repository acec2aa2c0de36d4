"""A real browser (Debian's chromium) against a real server built with the CLI: an applicant submits
an application to an open call, the bureau passes the form review and assigns reviewers (through
review_link → engines.review), the expert scores it, the bureau sees the ranking with its funding
line and decides, and the 公示 page appears to a visitor without a login.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from servers import served
from sheets import xlsx

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROME_BINARY_LOCATION") or shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
PASSWORD = "browser-pass-123"
SETUP = """
from datetime import date
from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.security import SYSTEM
from kechuang.programs import service as svc
with session_scope() as s:
    bind_principal(s, SYSTEM)
    call = svc.create_call(s, SYSTEM, {
        "code": "LL2026", "year": 2026, "kind": "normal", "title": "浏览器测试批次",
        "directions": ["HEALTH-NCD"], "budget": 100, "opens_on": date(2000, 1, 1),
        "closes_on": date(2100, 1, 1), "per_application": 1, "finance_required": False})
    svc.set_call_state(s, SYSTEM, call.id, "open")
"""
EXPERT_HEADER = [
    "专家编号",
    "姓名",
    "证件号",
    "工作单位",
    "工作单位代码",
    "职称",
    "研究领域",
    "关键词",
    "财务专家",
    "最多评审数",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server on a fresh SQLite file: an open call, one expert and a login of each role."""
    if not (CHROMIUM and DRIVER):
        pytest.skip("未安装 chromium/chromedriver，跳过真实浏览器测试（.ci/run 会安装）")
    tmp = tmp_path_factory.mktemp("prog-browser")
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
    experts = tmp / "专家.xlsx"
    experts.write_bytes(
        xlsx(
            EXPERT_HEADER,
            [
                [
                    "ZJ1",
                    "浏览器·肿瘤专家",
                    "321000197001010011",
                    "扬州大学",
                    "",
                    "教授",
                    "肿瘤",
                    "肿瘤；早筛",
                    "否",
                    5,
                ]
            ],
        )
    )
    run("programs", "import-experts", str(experts))
    for name, role in (("sb", "applicant"), ("zj", "expert"), ("shi", "city_admin")):
        run("user", "add", name, "--role", role, "--password", PASSWORD)
    run("programs", "link-expert", "ZJ1", "zj")
    done = subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with served(cli, env) as base:
        yield base


def _driver():
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
    return webdriver.Chrome(service=Service(DRIVER), options=options)


class Browser:
    """One person's browser (username None: a visitor who does not log in)."""

    def __init__(self, base: str, username: str | None) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.base, self.d = base, _driver()
        self.wait = WebDriverWait(self.d, 30)
        if username:
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

    def click(self, text: str) -> None:
        from selenium.webdriver.common.by import By

        xpath = f"//button[.//*[normalize-space(.)='{text}']]"
        self.wait.until(lambda d: d.find_elements(By.XPATH, xpath))
        button = self.d.find_elements(By.XPATH, xpath)[0]
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        button.click()

    def shot(self, name: str) -> None:
        out = Path(os.environ.get("KECHUANG_SCREENSHOT_DIR", "var"))
        out.mkdir(parents=True, exist_ok=True)
        self.d.save_screenshot(str(out / name))

    def close(self) -> None:
        self.d.quit()


def test_apply_review_score_rank_publicity(server):
    # 1. the applicant submits
    b = Browser(server, "sb")
    try:
        b.open("/programs/calls/1", "填报申报书")
        b.field("申报单位").send_keys("浏览器·扬州某医疗科技有限公司")
        b.field("统一社会信用代码").send_keys("91321000000000001F")
        b.field("项目负责人").send_keys("浏览器·张三")
        b.field("项目负责人证件号").send_keys("321000198001010099")
        b.field("项目名称").send_keys("浏览器·肿瘤早筛关键技术")
        b.field("关键词").send_keys("肿瘤；早筛")
        b.click("提交申报")
        b.see("浏览器·肿瘤早筛关键技术")
        b.see("已申报")
    finally:
        b.close()
    # 2. the bureau passes the form review and assigns reviewers
    admin = Browser(server, "shi")
    try:
        admin.open("/programs/review", "评审组织")
        admin.click("开始形式审查")
        admin.see("形式审查")
        admin.click("形式审查通过")
        admin.see("专家评审")
        admin.click("自动分配评审专家")
        admin.see("已分配 1 个评审任务")
    finally:
        admin.close()
    # 3. the expert scores
    expert = Browser(server, "zj")
    try:
        expert.open("/programs/expert", "浏览器·肿瘤早筛关键技术")
        expert.field("评分").send_keys("86")
        expert.click("提交评分")
        expert.see("已评分")
    finally:
        expert.close()
    # 4. ranking with the funding line, decision
    admin = Browser(server, "shi")
    try:
        admin.open("/programs/review", "评审组织")
        admin.click("评审汇总")
        admin.see("行政决策")
        # the ranking is re-rendered: wait until the old decision button is gone, or the click
        # below could land on the button being replaced
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        stale = admin.d.find_elements(
            By.XPATH, "//button[.//*[normalize-space(.)='按资助线决策并公示']]"
        )
        admin.click("计算排名")
        if stale:
            admin.wait.until(ec.staleness_of(stale[0]))
        admin.see("资助线")
        admin.shot("programs-ranking.png")
        admin.click("按资助线决策并公示")
        admin.see("已决策并发布公示")
    finally:
        admin.close()
    # 5. the 公示 appears without a login
    visitor = Browser(server, None)
    try:
        visitor.open("/programs/publicity", "浏览器测试批次拟立项项目公示")
        visitor.open("/programs/publicity/1", "浏览器·肿瘤早筛关键技术")
        visitor.see("公示期")
        visitor.shot("programs-publicity.png")
    finally:
        visitor.close()
