"""affinity.yaml: the shipped file loads; every kind of mistake is refused with a Chinese message
that names the place."""

from __future__ import annotations

import copy

import pytest
import yaml

from kechuang.engines.text import COMPONENTS, Weights, WeightsError, load_weights, weights_from_dict
from kechuang.engines.text.weights import DEFAULT_WEIGHTS


@pytest.fixture
def doc():
    return yaml.safe_load(DEFAULT_WEIGHTS.read_text(encoding="utf-8"))


def test_shipped_weights_load_and_document_themselves(doc):
    w = load_weights()
    assert w.component_weights() == {
        "text": 0.45,
        "industry": 0.20,
        "problem": 0.15,
        "distance": 0.10,
        "rating": 0.10,
    }
    assert sum(w.component_weights().values()) == pytest.approx(1.0)
    assert (w.k1, w.b, w.k3) == (1.2, 0.75, 0)
    assert w.tag_method == "overlap"
    assert dict(w.distance_levels) == {"township": 1.0, "county": 0.7, "city": 0.4, "other": 0.0}
    assert w.gate == ("text", "industry")
    for name in COMPONENTS:
        assert doc["components"][name]["meaning"] and doc["components"][name]["rationale"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in w.meanings[name])


def _error(doc) -> str:
    with pytest.raises(WeightsError) as info:
        weights_from_dict(doc)
    return str(info.value)


def test_unknown_top_level_key(doc):
    doc["weigths"] = {}
    message = _error(doc)
    assert "未知的键" in message and "weigths" in message


def test_unknown_component(doc):
    doc["components"]["price"] = copy.deepcopy(doc["components"]["text"])
    message = _error(doc)
    assert "components" in message and "price" in message


def test_unknown_key_inside_an_item(doc):
    doc["bm25"]["k1"]["unit"] = "次"
    message = _error(doc)
    assert "bm25.k1" in message and "unit" in message


def test_missing_component(doc):
    del doc["components"]["rating"]
    assert "缺少必需的键" in _error(doc)


def test_missing_rationale(doc):
    del doc["components"]["text"]["rationale"]
    message = _error(doc)
    assert "components.text" in message and "rationale" in message


@pytest.mark.parametrize(
    "path,value,fragment",
    [
        (("components", "text", "weight"), -0.1, "不能小于"),
        (("components", "text", "weight"), "高", "必须是有限的数值"),
        (("components", "text", "weight"), True, "必须是有限的数值"),
        (("bm25", "b", "value"), 1.5, "bm25.b"),
        (("bm25", "k1", "value"), -1, "bm25.k1"),
        (("distance", "county", "value"), 1.2, "distance.county"),
        (("tags", "method", "value"), "cosine", "tags.method"),
        (("rating", "scale_max", "value"), 1, "scale_max"),
        (("rating", "prior_mean", "value"), 9, "rating.prior_mean"),
        (("gate", "value"), ["text", "price"], "price"),
        (("gate", "value"), "text", "gate.value"),
    ],
)
def test_bad_values(doc, path, value, fragment):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert fragment in _error(doc)


def test_all_zero_weights(doc):
    for name in COMPONENTS:
        doc["components"][name]["weight"] = 0
    assert "都为 0" in _error(doc)


def test_not_a_mapping():
    assert "键值映射" in _error(["text", 0.5])


def test_file_errors(tmp_path):
    with pytest.raises(WeightsError, match="无法读取"):
        load_weights(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("components: [unclosed", encoding="utf-8")
    with pytest.raises(WeightsError, match="不是合法的 YAML"):
        load_weights(bad)


def test_round_trip_through_a_file(tmp_path, doc):
    doc["components"]["distance"]["weight"] = 0.0
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert load_weights(path).distance == 0.0


def test_weights_in_code_are_validated_too():
    with pytest.raises(WeightsError):
        Weights(text=-1)
    with pytest.raises(WeightsError):
        Weights(distance_levels={"county": 0.5})
