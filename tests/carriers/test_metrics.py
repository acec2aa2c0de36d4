"""Hand-computed chain metrics (time to graduation, survival, growth, relocation share), the
overlap and date validation of incubation records, chain_summary and the attribution rule."""

from __future__ import annotations

from datetime import date

import pytest

from kechuang.carriers import service
from kechuang.carriers.models import Attribution, TechContract
from kechuang.carriers.service import ChainError, add_incubation, overlaps
from kechuang.core.scope import RoleError, ScopeError


def test_metrics_2024_by_hand(session, chain, people):
    m = service.chain_metrics(session, people["zone_yz"], 2024)
    t = m["total"]
    # graduates in 2024: e2 (731 days) and e3 (547 days); j1 is 江都's, outside her zone
    assert t["graduates"] == 2
    assert t["median_days_to_graduation"] == pytest.approx(639.0)
    assert t["median_years_to_graduation"] == pytest.approx(round(639 / 365.25, 2))
    assert t["left"] == 1 and t["entered"] == 1 and t["in_incubation"] == 1
    # survival after 1 year: cohort 2023 = {e1}, reported 2024 → 1/1; after 3 years: cohort 2021
    # = {e4, e5}, only e4 reported 2024 → 1/2
    assert (t["survival_1y_cohort"], t["survival_1y"]) == (1, 1.0)
    assert (t["survival_3y_cohort"], t["survival_3y"]) == (2, 0.5)
    # growth: e1 100 → 150 万元
    assert t["revenue_growth_median"] == pytest.approx(0.5) and t["revenue_growth_n"] == 1
    # relocations of 2024's graduates: e2 inside the city, e3 to 苏州 → 1/2
    assert (t["relocated"], t["relocated_inside_city"], t["share_inside_city"]) == (2, 1, 0.5)
    assert [z["zone_id"] for z in m["zones"]] == [chain["city"]["yzhtz"].id]


def test_metrics_city_includes_every_zone_and_empty_cohorts_are_none(session, chain, people):
    m = service.chain_metrics(session, people["city"], 2024)
    assert m["total"]["graduates"] == 3  # + 江都's j1
    assert len(m["zones"]) == 2
    early = service.chain_metrics(session, people["city"], 2019)["total"]
    assert early["graduates"] == 0 and early["median_days_to_graduation"] is None
    assert early["survival_1y"] is None and early["share_inside_city"] is None


def test_overlap_boundaries():
    d = date
    assert overlaps(d(2024, 1, 1), d(2024, 6, 1), d(2024, 5, 31), None)
    assert not overlaps(d(2024, 1, 1), d(2024, 6, 1), d(2024, 6, 1), None)  # same-day transfer
    assert overlaps(d(2024, 1, 1), None, d(2030, 1, 1), d(2030, 2, 1))  # open stay runs on


def test_two_incubations_over_the_same_dates_are_refused(session, chain, people):
    e7, c2 = chain["ents"]["e7"], chain["carriers"]["c2"]
    with pytest.raises(ChainError, match="不能同时在两个载体孵化"):
        add_incubation(session, people["city"],
                       {"enterprise_id": e7.id, "carrier_id": c2.id, "entered_on": date(2024, 6, 1)})  # fmt: skip
    # e6 left on 2024-02-01: entering another carrier that day is a transfer, not an overlap
    e6 = chain["ents"]["e6"]
    inc = add_incubation(session, people["city"],
                         {"enterprise_id": e6.id, "carrier_id": c2.id, "entered_on": date(2024, 2, 1)})  # fmt: skip
    assert inc.outcome is None


def test_end_before_entry_reason_and_kind_are_checked(session, chain, people):
    e6, c2, inst = chain["ents"]["e6"], chain["carriers"]["c2"], chain["carriers"]["inst"]
    base = {"enterprise_id": e6.id, "carrier_id": c2.id, "entered_on": date(2025, 1, 1)}
    with pytest.raises(ChainError, match="应晚于入孵日期"):
        add_incubation(
            session, people["city"], {**base, "ended_on": date(2025, 1, 1), "reason": "closed"}
        )
    with pytest.raises(ChainError, match="须填写结束原因"):
        add_incubation(session, people["city"], {**base, "ended_on": date(2025, 5, 1)})
    with pytest.raises(ChainError, match="不在代码表中"):
        add_incubation(
            session, people["city"], {**base, "ended_on": date(2025, 5, 1), "reason": "倒闭"}
        )
    with pytest.raises(ChainError, match="不是孵化载体"):
        add_incubation(session, people["city"], {**base, "carrier_id": inst.id})
    # reason given by its Chinese name maps to its code and outcome
    inc = add_incubation(session, people["city"],
                         {**base, "ended_on": date(2025, 5, 1), "reason": "达到毕业条件"})  # fmt: skip
    assert (inc.reason, inc.outcome) == ("criteria_met", "graduated")


def test_zone_admin_cannot_write_another_zones_enterprise(session, chain, people):
    e7, c2 = chain["ents"]["e7"], chain["carriers"]["c2"]
    with pytest.raises(ScopeError):
        add_incubation(session, people["zone_jd"],
                       {"enterprise_id": e7.id, "carrier_id": c2.id, "entered_on": date(2030, 1, 1)})  # fmt: skip


def test_chain_summary(session, chain, people):
    ents = chain["ents"]
    session.add_all(
        [
            TechContract(contract_no="T-1", kind="transfer", amount=120.5, seller_uscc=ents["e1"].uscc,
                         seller_name="卖", buyer_uscc=ents["j1"].uscc, buyer_name="买", registered_year=2024),
            TechContract(contract_no="T-2", kind="development", amount=30.0, seller_uscc=ents["j1"].uscc,
                         seller_name="卖", buyer_uscc="91320000MA0000000X", buyer_name="外地", registered_year=2024),
            TechContract(contract_no="T-3", kind="service", amount=9.0, seller_uscc=ents["e1"].uscc,
                         seller_name="卖", buyer_uscc=ents["e2"].uscc, buyer_name="买", registered_year=2023),
        ]
    )  # fmt: skip
    session.flush()
    s = service.chain_summary(session, people["city"], 2024)
    assert s["carriers_total"] >= 4  # the shipped registry's carriers plus the four test ones
    assert s["graduates"] == 3 and s["relocations"] == 2 and s["relocations_inside_city"] == 1
    assert (s["contracts_count"], s["contracts_amount"]) == (2, 150.5)
    z = service.chain_summary(session, people["zone_yz"], 2024)
    assert z["graduates"] == 2 and z["contracts_count"] == 1 and z["contracts_amount"] == 120.5
    kinds = {k["kind"]: k["count"] for k in z["carriers_by_kind"]}
    assert kinds["applied_institute"] == 1 and kinds["maker_space"] >= 1
    t = service.transfer_indicators(session, people["city"], 2024)
    by = {z["zone_id"]: z for z in t["zones"]}
    jd = by[chain["city"]["jiangdu"].id]
    assert (jd["sold_count"], jd["sold_amount"], jd["bought_count"], jd["bought_amount"]) == (
        1,
        30.0,
        1,
        120.5,
    )
    for who in ("ent", "bank"):
        with pytest.raises(RoleError):
            service.chain_summary(session, people[who], 2024)


def test_counted_zone_follows_the_attribution_in_force(session, chain):
    e1, city = chain["ents"]["e1"], chain["city"]
    session.add(Attribution(enterprise_id=e1.id, arrangement="enclave", incubated_zone_id=city["yzhtz"].id,
                            counted_zone_id=city["hangji"].id, valid_from=date(2023, 1, 1),
                            valid_to=date(2024, 12, 31)))  # fmt: skip
    session.flush()
    assert service.counted_zone_on(session, e1, date(2022, 6, 1)) == city["yzhtz"].id
    assert service.counted_zone_on(session, e1, date(2024, 12, 31)) == city["hangji"].id
    assert service.counted_zone_on(session, e1, date(2025, 1, 1)) == city["yzhtz"].id


def test_flow_links_research_to_incubation_to_destination(session, chain, people):
    f = service.chain_flow(session, people["zone_yz"])
    links = {(x["source"], x["target"]): x["value"] for x in f["links"]}
    assert links[("研发：应用型研究院（实验室）", "孵化：孵化器")] == 1
    assert links[("孵化：孵化器", "产业园（市内）")] == 1
    assert links[("孵化：孵化器", "迁往市外")] == 1
    assert links[("孵化：孵化器", "在孵")] == 1


def test_graduation_check_on_the_latest_year(session, chain, people):
    from kechuang.statistics.models import EnterpriseYear

    e7 = chain["ents"]["e7"]
    session.add(
        EnterpriseYear(enterprise_id=e7.id, year=2024, operating_revenue=600.0, ip_class2=1)
    )
    session.flush()
    d = service.get_incubation(session, people["city"], chain["incs"]["e7"].id)
    c = d["criteria"]
    assert c["year"] == 2024 and c["meets"] is True
    assert {i["code"]: i["met"] for i in c["items"]} == {
        "ip": True,
        "revenue": True,
        "financing": False,
    }
    e6 = service.get_incubation(session, people["city"], chain["incs"]["e6"].id)["criteria"]
    assert e6["year"] is None and e6["meets"] is False and e6["months"] == 9 and not e6["over_term"]
