"""`kechuang programs ...`: the stable file commands of expert review (independent checks use them)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from kechuang.engines.matching import MatchingInputError
from kechuang.engines.review import METHODS, ReviewInputError, aggregate, assign_reviewers
from kechuang.engines.text import WeightsError
from kechuang.programs.files import (
    AGGREGATE_HEADERS,
    ASSIGNMENT_HEADERS,
    UNSTAFFED_HEADERS,
    ReviewFileError,
    read_applications,
    read_experts,
    read_relations,
    read_scores,
    write_rows,
)

app = typer.Typer(help="重点攻关：项目申报、专家评审与排序", no_args_is_help=True)
console = Console(soft_wrap=True)


@app.callback()
def group() -> None:
    """重点攻关：评审专家分配与评分汇总。"""


def _fail(message: str, code: int = 2) -> None:
    console.print("[bold red]错误：[/bold red]", end="")
    console.print(message, markup=False)
    raise typer.Exit(code=code)


def _check_out(out: Path) -> None:
    if out.suffix.lower() not in (".csv", ".xlsx"):
        _fail(f"输出文件“{out.name}”只能是 .csv 或 .xlsx")


@app.command("assign-reviewers")
def assign_reviewers_cmd(
    applications: Path = typer.Argument(
        ...,
        help="申报文件 (CSV/XLSX)：申报编号, 申报单位, 申报单位代码, 项目负责人, 项目负责人证件号, "
        "指南方向, 项目名称, 关键词",
    ),
    experts: Path = typer.Argument(
        ...,
        help="专家文件：专家编号, 姓名, 证件号, 工作单位, 工作单位代码, 职称, 研究领域, 关键词, "
        "财务专家(是/否), 最多评审数",
    ),
    relations: Path = typer.Argument(
        ...,
        help="关系文件：甲, 甲类型(个人/单位), 乙, 乙类型, 关系(任职/持股/实际控制/亲属/合作/师生), "
        "开始年份, 结束年份(空=仍存续)；个人用证件号，单位用统一社会信用代码",
    ),
    year: int = typer.Option(..., "--year", help="申报年度 Y（回避规则按此回溯）"),
    per_application: int = typer.Option(..., "--per-application", help="每项申报的评审专家数 K"),
    finance: bool = typer.Option(False, "--finance", help="每项申报至少 1 名财务专家"),
    out: Path = typer.Option(
        ..., "--out", "-o", help="结果文件 (.csv/.xlsx)：申报编号, 专家编号, 匹配度, 理由"
    ),
    time_limit: float | None = typer.Option(None, "--time-limit", help="求解时限（秒）"),
) -> None:
    """按回避规则、负荷上限、同单位至多 1 人（及财务专家）约束，求总匹配度最大的评审专家分配。

    输出每个分配对的 申报编号, 专家编号, 匹配度 (0–1), 理由（文本相关度与关键词重合的分项）。
    无法配齐时，输出文件改为 申报编号, 无法配齐评审专家的原因，打印原因并以状态 1 退出；
    文件有误时打印行号、列名与原因并以状态 2 退出。
    """
    _check_out(out)
    try:
        apps = read_applications(applications)
        exps = read_experts(experts)
        rels = read_relations(relations)
        res = assign_reviewers(
            apps, exps, rels, year, per_application, finance, time_limit=time_limit
        )
    except (ReviewFileError, ReviewInputError, MatchingInputError, WeightsError) as exc:
        _fail(str(exc))
        return
    if not res.feasible:
        write_rows(out, UNSTAFFED_HEADERS, [(u.application_id, u.reason) for u in res.unstaffed])
        console.print("[bold red]无法配齐评审专家：[/bold red]", end="")
        console.print(res.message, markup=False)
        for u in res.unstaffed:
            console.print(f"  {u.application_id}：{u.reason}", markup=False)
        raise typer.Exit(code=1)
    rows = [(p.application_id, p.expert_id, f"{p.score:.4f}", p.reason) for p in res.pairs]
    write_rows(out, ASSIGNMENT_HEADERS, rows)
    console.print(
        f"已分配 {len(apps)} 项申报、{len(rows)} 个评审对（回避排除 {len(res.conflicts)} 对），"
        f"总匹配度 {res.total:.3f}：{out}",
        markup=False,
    )


@app.command("aggregate-scores")
def aggregate_scores_cmd(
    scores: Path = typer.Argument(..., help="评分文件 (CSV/XLSX)：申报编号, 专家编号, 分数"),
    out: Path = typer.Option(..., "--out", "-o", help="结果文件 (.csv/.xlsx)"),
    method: str = typer.Option(
        "additive",
        "--method",
        help="standardised：按专家标准化 (z 分数) 后平均；additive：加性专家效应模型（最小二乘）",
    ),
    trim: float = typer.Option(0.0, "--trim", help="截尾比例 F：每端去掉 floor(F×n) 个分数后平均"),
    seed: int = typer.Option(0, "--seed", help="自助抽样的随机种子（结果可重现）"),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="按专家自助抽样的次数"),
) -> None:
    """汇总评分：原始均值、消除专家宽严偏差后的校正分数、90% 区间与排名区间。

    输出列：申报编号, 评审人数, 原始均值, 校正分数, 校正分数90%下限, 校正分数90%上限,
    排名 (1 = 最好), 排名90%区间最好, 排名90%区间最差；按排名排序。区间来自按专家有放回
    抽样重算；截尾只作用于校正分数。
    """
    _check_out(out)
    if method not in METHODS:
        _fail(f"未知的校正方法 {method}，应为 standardised 或 additive")
    try:
        apps, experts, values = read_scores(scores)
        res = aggregate(
            apps, experts, values, method=method, trim=trim, bootstrap=bootstrap, seed=seed
        )
    except (ReviewFileError, ReviewInputError) as exc:
        _fail(str(exc))
        return
    rows = [
        (
            r["application_id"],
            r["n_reviewers"],
            round(r["raw_mean"], 4),
            round(r["corrected"], 4),
            round(r["lower"], 4),
            round(r["upper"], 4),
            r["rank"],
            r["rank_lower"],
            r["rank_upper"],
        )
        for r in res.rows()
    ]
    write_rows(out, AGGREGATE_HEADERS, rows)
    note = f"，评审网络分为 {res.components} 个互不相连的部分" if res.components > 1 else ""
    console.print(f"已汇总 {len(rows)} 项申报（{method}{note}）：{out}", markup=False)


def _mount_workflow() -> None:
    """The workflow commands (guide, calls, move, assign, ranking …) join the same group."""
    from kechuang.programs.cli_workflow import app as workflow

    app.registered_commands += workflow.registered_commands


_mount_workflow()
