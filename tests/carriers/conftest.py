"""Fixtures for the carriers-chain tests: a hand-built chain in 扬州高新区 with known dates and
figures, and users of the roles that read it."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_enterprise, make_principal

from kechuang.carriers.models import Incubation, Relocation
from kechuang.core.security import SYSTEM
from kechuang.registry.models import Carrier, Park
from kechuang.statistics.models import EnterpriseYear

# enterprise key: (entered, ended, reason)
STAYS = {
    "e1": (date(2021, 1, 1), date(2023, 1, 1), "criteria_met"),  # 730 days, cohort 2023
    "e2": (date(2022, 3, 1), date(2024, 3, 1), "criteria_met"),  # 731 days (2024 is leap)
    "e3": (date(2023, 1, 1), date(2024, 7, 1), "listed"),  # 547 days
    "e4": (date(2020, 6, 1), date(2021, 6, 1), "criteria_met"),  # cohort 2021, alive in 2024
    "e5": (date(2020, 1, 1), date(2021, 12, 31), "criteria_met"),  # cohort 2021, no 2024 figures
    "e6": (date(2023, 5, 1), date(2024, 2, 1), "closed"),  # left in 2024
    "e7": (date(2024, 2, 1), None, None),  # still in incubation
}
OUTCOME = {"criteria_met": "graduated", "listed": "graduated", "closed": "left"}


@pytest.fixture
def chain(session, city):
    """Carriers, enterprises, incubations, relocations and figures; returns them by key."""
    yz, jd = city["yzhtz"], city["jiangdu"]
    inst = Carrier(code="T-INST", name="测试应用型研究院", kind="applied_institute", level="市级",
                   zone_id=yz.id)  # fmt: skip
    c1 = Carrier(
        code="T-INC1", name="测试孵化器一", kind="incubator", level="国家级", zone_id=yz.id
    )
    c2 = Carrier(
        code="T-INC2", name="测试众创空间", kind="maker_space", level="省级", zone_id=yz.id
    )
    cj = Carrier(
        code="T-INCJ", name="江都测试孵化器", kind="incubator", level="市级", zone_id=jd.id
    )
    session.add_all([inst, c1, c2, cj])
    session.flush()
    ents = {k: make_enterprise(session, yz, name=f"链条测试{k}有限公司") for k in STAYS}
    ents["j1"] = make_enterprise(session, jd, name="江都在孵测试有限公司")
    incs = {}
    for k, (start, end, reason) in STAYS.items():
        incs[k] = Incubation(enterprise_id=ents[k].id, carrier_id=c1.id, entered_on=start,
                             ended_on=end, reason=reason, outcome=OUTCOME.get(reason),
                             origin_carrier_id=inst.id if k == "e2" else None)  # fmt: skip
    incs["j1"] = Incubation(enterprise_id=ents["j1"].id, carrier_id=cj.id,
                            entered_on=date(2023, 1, 1), ended_on=date(2024, 1, 10),
                            reason="criteria_met", outcome="graduated")  # fmt: skip
    session.add_all(incs.values())
    session.flush()
    park = session.query(Park).filter_by(zone_id=yz.id).first()
    session.add_all(
        [
            Relocation(enterprise_id=ents["e2"].id, incubation_id=incs["e2"].id,
                       moved_on=date(2024, 5, 1), inside_city=True, to_zone_id=yz.id,
                       to_park_id=park.id if park else None),
            Relocation(enterprise_id=ents["e3"].id, incubation_id=incs["e3"].id,
                       moved_on=date(2024, 9, 1), inside_city=False, destination="苏州工业园区"),
        ]
    )  # fmt: skip
    session.add_all(
        [
            EnterpriseYear(enterprise_id=ents["e1"].id, year=2023, operating_revenue=100.0),
            EnterpriseYear(enterprise_id=ents["e1"].id, year=2024, operating_revenue=150.0),
            EnterpriseYear(enterprise_id=ents["e4"].id, year=2024, operating_revenue=80.0),
        ]
    )
    session.flush()
    return {"ents": ents, "incs": incs, "carriers": {"inst": inst, "c1": c1, "c2": c2, "cj": cj},
            "city": city}  # fmt: skip


@pytest.fixture
def people(session, city, chain):
    """Principals: the bureau, both zones' admins, an enterprise user (e2) and a bank."""
    ents = chain["ents"]
    return {
        "city": SYSTEM,
        "zone_yz": make_principal(session, "zone_admin", zone=city["yzhtz"], username="c_zone_yz"),
        "zone_jd": make_principal(
            session, "zone_admin", zone=city["jiangdu"], username="c_zone_jd"
        ),
        "ent": make_principal(session, "enterprise_user", enterprise=ents["e2"], username="c_ent"),
        "bank": make_principal(session, "bank_viewer", username="c_bank"),
    }
