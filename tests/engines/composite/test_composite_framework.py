"""Framework and specification validation: every unhappy path gives a Chinese message naming
the item and what is wrong."""

import polars as pl
import pytest

from kechuang.engines.composite import (
    DataError,
    FrameworkError,
    SpecError,
    framework_from_dict,
    load_framework,
    run,
    spec_from_dict,
)

GOOD = [
    {"code": "Index", "name_zh": "指数"},
    {"code": "P1", "parent": "Index", "weight": 2},
    {"code": "P2", "parent": "Index"},
    {"code": "a", "parent": "P1", "direction": -1},
    {"code": "b", "parent": "P1"},
    {"code": "c", "parent": "P2", "weight": 0.5},
]


def _errors(items, **extra):
    with pytest.raises(FrameworkError) as exc:
        framework_from_dict({"items": items, **extra})
    return "\n".join(exc.value.messages)


def test_good_framework_derives_levels_and_effective_weights():
    fw = framework_from_dict({"items": GOOD})
    assert fw.root == "Index" and fw.max_level == 3
    assert fw.indicators == ["a", "b", "c"] and fw.aggregates(2) == ["P1", "P2"]
    assert fw.effective_weights()["a"] == pytest.approx(2 / 3 * 1 / 2)
    assert fw.effective_weights()["c"] == pytest.approx(1 / 3)
    assert sum(fw.effective_weights()[c] for c in fw.indicators) == pytest.approx(1)
    # the plain-data form loads back to the same framework
    assert framework_from_dict(fw.to_dict()) == fw


def test_cycle():
    msg = _errors([{"code": "A", "parent": "B"}, {"code": "B", "parent": "A"}, {"code": "R"}])
    assert "循环" in msg and "A" in msg and "B" in msg


def test_unknown_parent():
    assert "上级 'Nope' 不存在" in _errors(GOOD + [{"code": "d", "parent": "Nope"}])


def test_weights_that_cannot_be_normalised():
    items = [dict(i) for i in GOOD]
    items[3]["weight"] = 0
    items[4]["weight"] = 0
    assert "'P1'" in _errors(items) and "权重之和为 0" in _errors(items)
    assert "非负" in _errors(GOOD + [{"code": "d", "parent": "P2", "weight": -1}])
    assert "数字" in _errors(GOOD + [{"code": "d", "parent": "P2", "weight": "heavy"}])


def test_other_item_errors():
    assert "代码重复" in _errors(GOOD + [{"code": "a", "parent": "P2"}])
    assert "方向" in _errors(GOOD + [{"code": "d", "parent": "P2", "direction": 2}])
    assert "只有一个顶层" in _errors(GOOD + [{"code": "Other"}])
    assert "层级" in _errors([{"code": "R", "level": 3}, {"code": "x", "parent": "R", "level": 1}])
    assert "没有任何下级" in _errors(GOOD + [{"code": "P3", "parent": "Index", "level": 2}])
    assert "未知字段" in _errors(GOOD + [{"code": "d", "parent": "P2", "colour": "red"}])
    assert "缺少代码" in _errors(GOOD + [{"name_zh": "无代码"}])
    assert "goalposts" in _errors(GOOD + [{"code": "d", "parent": "P2", "goalposts": [1, 1]}])
    assert "confidence" in _errors(GOOD + [{"code": "d", "parent": "P2", "confidence": "maybe"}])
    with pytest.raises(FrameworkError, match="items"):
        framework_from_dict({"items": []})


def test_load_framework_errors(tmp_path):
    with pytest.raises(FrameworkError, match="不存在"):
        load_framework(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("items: [unclosed", encoding="utf-8")
    with pytest.raises(FrameworkError, match="YAML"):
        load_framework(bad)


def test_with_weights_and_without():
    fw = framework_from_dict({"items": GOOD})
    with pytest.raises(FrameworkError, match="权重之和为 0"):
        fw.with_weights({"a": 0, "b": 0})
    with pytest.raises(FrameworkError, match="没有项目"):
        fw.with_weights({"zzz": 1})
    smaller = fw.without(["c"])
    assert "P2" not in smaller.nodes and smaller.indicators == ["a", "b"]


def _spec(steps, **extra):
    return spec_from_dict(
        {"framework": {"items": GOOD}, "data": {"unit": "u"}, "steps": steps, **extra}
    )


def test_spec_errors():
    with pytest.raises(SpecError, match="aggregate"):
        _spec(["normalise"])
    with pytest.raises(SpecError, match="normalise"):
        _spec(["aggregate"])
    with pytest.raises(SpecError, match="未知的步骤"):
        _spec(["polish", "normalise", "aggregate"])
    with pytest.raises(SpecError, match="未知参数"):
        _spec([{"treat": {"winmaxx": 3}}, "normalise", "aggregate"])
    with pytest.raises(SpecError, match="不止一次"):
        _spec(["normalise", "normalise", "aggregate"])
    with pytest.raises(SpecError, match="group"):
        _spec([{"impute": {"method": "group_mean"}}, "normalise", "aggregate"])
    with pytest.raises(SpecError, match="generalised"):
        _spec(["normalise", {"aggregate": {"method": "generalised", "p": 0}}])
    with pytest.raises(SpecError, match="不在框架中"):
        _spec(["normalise", {"aggregate": {"weights": {"zz": 1}}}])
    with pytest.raises(SpecError, match="不是框架中的指标"):
        _spec([{"treat": {"overrides": {"P1": "none"}}}, "normalise", "aggregate"])
    with pytest.raises(SpecError, match="threshold"):
        _spec([{"screen": {"threshold": 1.5}}, "normalise", "aggregate"])
    with pytest.raises(SpecError, match="framework"):
        spec_from_dict({"steps": ["normalise", "aggregate"]})


def test_data_errors():
    spec = _spec([{"denominate": {"denominators": {"a": "pop"}}}, "normalise", "aggregate"])
    df = pl.DataFrame({"u": ["A", "B"], "a": [1.0, 2.0], "b": [1.0, 2.0]})
    with pytest.raises(DataError) as exc:
        run(spec, df)
    text = "\n".join(exc.value.messages)
    assert "c" in text and "缺少框架中的指标列" in text and "分母列 'pop'" in text
    dup = pl.DataFrame({"u": ["A", "A"], "a": [1.0, 2.0], "b": [1.0, 2.0], "c": [1.0, 1.0]})
    with pytest.raises(DataError, match="重复"):
        run(_spec(["normalise", "aggregate"]), dup)
    text_col = pl.DataFrame({"u": ["A", "B"], "a": ["1", "x"], "b": [1.0, 2.0], "c": [1.0, 1.0]})
    with pytest.raises(DataError, match="非数值.*'x'"):
        run(_spec(["normalise", "aggregate"]), text_col)
    with pytest.raises(DataError, match="'u'"):
        run(_spec(["normalise", "aggregate"]), df.rename({"u": "unit"}).with_columns(c=pl.lit(1.0)))


def test_zero_weight_indicator_is_excluded_but_allowed():
    items = [dict(i) for i in GOOD]
    items[4]["weight"] = 0  # b
    spec = spec_from_dict(
        {
            "framework": {"items": items},
            "data": {"unit": "u"},
            "steps": [{"normalise": {"method": "none"}}, "aggregate"],
        }
    )
    df = pl.DataFrame({"u": ["A"], "a": [4.0], "b": [100.0], "c": [1.0]})
    assert run(spec, df).aggregated.get_column("P1").item() == 4.0
