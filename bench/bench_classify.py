"""Accuracy and speed of the 指南 classifier (engines/text/classify via programs/portfolio).

    .venv/bin/python bench/bench_classify.py [--data tests/data/program-portfolio/heldout.csv]

Prints top-1/top-3 accuracy on the held-out labelled set for the model trained on the 指南 alone
and with labelled history (5-fold), against the majority-class and keyword-overlap baselines,
then the time to fit on the 指南 plus 300 history items and to classify 400 applications.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kechuang.programs.portfolio import fit_model  # noqa: E402
from kechuang.programs.portfolio_eval import evaluate, read_items, report  # noqa: E402
from kechuang.programs.taxonomy import load_guide  # noqa: E402


def main() -> None:
    """Run the evaluation and the timing."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT / "tests/data/program-portfolio/heldout.csv"))
    args = parser.parse_args()
    items = read_items(Path(args.data))
    print(report(evaluate(items)))
    guide = load_guide()
    t0 = time.perf_counter()
    model = fit_model(guide, [(i.text, i.direction) for i in items])
    t1 = time.perf_counter()
    texts = [items[i % len(items)].text for i in range(400)]
    model.predict(texts)
    t2 = time.perf_counter()
    print(f"训练（指南 + {len(items)} 条历史）{t1 - t0:.2f} 秒；分类 400 项 {t2 - t1:.2f} 秒")


if __name__ == "__main__":
    main()
