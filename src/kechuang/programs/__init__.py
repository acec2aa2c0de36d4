"""重点攻关 programmes: 指南, calls, 揭榜挂帅, 赛马, 定向委托, conflict-free expert review, scores."""

from kechuang.core.domain import Domain

DOMAIN = Domain(
    name="programs",
    label="重点攻关",
    requires=("registry",),
    models=None,
    cli="kechuang.programs.cli:app",
    migrations=None,
)
