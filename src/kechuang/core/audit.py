"""The audit trail: who did what, when, with the values before and after.

Every ORM write to a class marked `__audited__ = True` is recorded automatically at flush time, so
no service can forget it. Bulk writes that bypass the ORM (imports) call `record()` themselves with
one entry per import that names the batch, which in turn is stamped on every stored figure.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Integer, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from kechuang.core.db import Base, utcnow
from kechuang.core.security import SYSTEM, Principal, actor_label

# Chinese names of audited tables; each domain declares its own in its manifest.
ENTITY_LABELS: dict[str, str] = {
    "audit_log": "审计日志",
    "jobs": "后台任务",
    "database": "数据库",
    "requests": "请求",
}
ACTION_LABELS = {
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "import": "导入",
    "login": "登录",
    "export": "导出",
    "undo": "撤销",
    "backup": "备份",
    "restore": "恢复",
    "approve": "审核通过",
    "reject": "驳回",
    "logout": "退出登录",
    "login_failed": "登录失败",
    "login_locked": "锁定期间尝试登录",
    "lockout": "登录锁定",
    "denied": "拒绝访问",
    "reset_password": "重置密码",
    "change_password": "修改密码",
    "rejected": "拒绝导入",
}


class AuditLog(Base):
    """One audited action."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


# Chinese names of audited columns, for the audit log's 变更 column (the record itself keeps the
# column names). A test fails when an audited column has none.
FIELD_LABELS: dict[str, str] = {
    "a": "甲方",
    "a_kind": "甲方类别",
    "abstract": "摘要",
    "acceptance_criteria": "验收标准",
    "action": "操作",
    "action_id": "规划行动",
    "active": "启用",
    "affinity": "匹配度",
    "after": "更正后",
    "agreement_id": "服务协议",
    "agreement_signed": "已签协议",
    "amount": "金额",
    "applicant_user_id": "申报账号",
    "application_id": "申报项目",
    "application_ids": "申报项目",
    "arrangement": "安排方式",
    "assignment_id": "评审分配",
    "at": "时间",
    "awardees": "拟立项数",
    "b": "乙方",
    "b_kind": "乙方类别",
    "baseline_value": "基期值",
    "baseline_year": "基期年度",
    "basis": "依据",
    "batch_year": "批次年度",
    "before": "更正前",
    "budget": "预算",
    "buyer_name": "买方名称",
    "buyer_uscc": "买方信用代码",
    "call_id": "申报批次",
    "candidate_for": "争创目标",
    "carrier_id": "创新载体",
    "challenge_id": "榜单",
    "classified_at": "分类时间",
    "closes_on": "截止日期",
    "code": "编号",
    "code_hash": "验证码摘要",
    "code_tail": "验证码尾号",
    "comment": "意见",
    "commissioner_approved_at": "特派员确认时间",
    "commissioner_id": "科技特派员",
    "components": "分项",
    "confidence": "置信度",
    "confirmation": "确认程度",
    "confirmed": "已确认",
    "confirmed_at": "确认时间",
    "confirmed_by": "确认人",
    "consented": "已授权",
    "contact": "联系方式",
    "content": "内容",
    "contract_no": "合同编号",
    "counted_zone_id": "统计归属高新区",
    "counts": "计数",
    "county_approved_at": "县区确认时间",
    "county_approved_by": "县区确认人",
    "county_code": "县（市、区）",
    "created_at": "创建时间",
    "created_by": "创建人",
    "data_signature": "数据签名（保存快照时）",
    "days": "天数",
    "declared": "申报方向",
    "declared_probability": "申报方向概率",
    "definition": "定义",
    "demand_id": "需求",
    "description": "说明",
    "destination": "去向",
    "direction": "方向",
    "directions": "指南方向",
    "disagreement": "方向存疑",
    "display_name": "姓名",
    "document": "文件",
    "document_id": "文件",
    "document_name": "文件名",
    "document_sha256": "文件指纹",
    "domain_confidence": "领域置信度",
    "due_on": "完成时限",
    "eligibility": "申报条件",
    "end_year": "终止年度",
    "ended_on": "结束日期",
    "ends_on": "结束日期",
    "entered_on": "入驻日期",
    "enterprise_id": "企业",
    "enterprises": "企业数",
    "evidence": "佐证",
    "expert_id": "专家",
    "expertise": "专长",
    "expires_on": "有效期至",
    "fields": "领域",
    "figures": "数据",
    "filename": "文件名",
    "finance": "财务专家",
    "finance_required": "需财务专家",
    "founded_on": "成立日期",
    "framework_code": "评价框架",
    "framework_hash": "框架指纹",
    "framework_version": "框架版本",
    "from_state": "原状态",
    "from_target_id": "来源目标",
    "full_name": "全称",
    "funded": "立项",
    "gbt4754": "国民经济行业代码",
    "grade": "等次",
    "granted": "资助金额",
    "handling": "处理意见",
    "id": "序号",
    "id_no": "证件号码",
    "import_id": "导入批次",
    "income_wan": "增收（万元）",
    "incubated_place": "孵化地",
    "incubated_zone_id": "孵化高新区",
    "incubation_id": "孵化记录",
    "incubator_id": "孵化载体",
    "indicator": "指标",
    "indicator_code": "指标",
    "industries": "产业",
    "industry_code": "行业",
    "input_hash": "输入数据指纹",
    "input_sha256": "输入数据指纹",
    "inputs": "输入数据",
    "inside_city": "市内",
    "is_demo": "演示数据",
    "is_leader": "组长",
    "issued_at": "出具时间",
    "issued_by": "出具人",
    "keywords": "关键词",
    "kind": "类别",
    "label": "标号",
    "lead": "牵头",
    "leader_id_no": "负责人证件号码",
    "leader_name": "负责人",
    "level": "级别",
    "line_score": "立项分数线",
    "loaded_at": "加载时间",
    "loaded_by": "加载人",
    "log_id": "服务日志",
    "machine": "流程",
    "max_load": "最大承担量",
    "media_type": "文件类型",
    "method": "方法",
    "methodology_code": "计算方法",
    "methodology_digest": "计算方法指纹",
    "methodology_name": "计算方法名称",
    "methodology_version": "计算方法版本",
    "milestones": "节点",
    "mode": "方式",
    "model_note": "模型说明",
    "moved_on": "迁出日期",
    "must_change_password": "须修改密码",
    "name": "名称",
    "need": "需求",
    "new_equipment": "新装备",
    "new_techniques": "新技术",
    "new_varieties": "新品种",
    "next_steps": "下步计划",
    "note": "备注",
    "objection": "异议",
    "obtained_on": "取得日期",
    "on_date": "日期",
    "opens_on": "开始日期",
    "operator_kind": "运营主体类别",
    "operator_name": "运营主体",
    "options": "选项",
    "origin_carrier_id": "原孵化载体",
    "outcome": "结果",
    "owner_unit": "发榜单位",
    "owner_uscc": "发榜单位信用代码",
    "owner_user_id": "所属账号",
    "packs": "认定条件",
    "params": "参数",
    "park_id": "园区",
    "parts": "分项",
    "password_hash": "密码（摘要）",
    "peer_set_code": "对标组",
    "peer_set_id": "对标组",
    "peer_units": "对标单位",
    "peer_zone_id": "对标高新区",
    "per_application": "每项专家数",
    "percent": "完成百分比",
    "period_id": "规划期",
    "phone": "电话",
    "position": "排序",
    "posted_by_id": "发布账号",
    "predicted": "预测方向",
    "predicted_domain": "预测领域",
    "problem_type": "问题类型",
    "problem_types": "问题类型",
    "problems": "存在问题",
    "province": "省份",
    "provisional": "暂行",
    "publicity_id": "公示",
    "quantity": "数量",
    "quarter": "季度",
    "quote": "规划原文",
    "raised_by": "提出人",
    "rank": "名次",
    "ranked": "排序结果",
    "rated_by": "评价人",
    "rationale": "论证理由",
    "reason": "原因",
    "reasons": "理由",
    "recipient_approved_at": "服务对象确认时间",
    "recipient_kind": "服务对象类别",
    "recipient_name": "服务对象",
    "record": "记录",
    "recusal_reason": "回避原因",
    "reference": "证书编号",
    "region_code": "行政区",
    "registered_year": "登记年度",
    "relation": "关系",
    "report_id": "进展报告",
    "reported_at": "报告时间",
    "reported_by": "报告人",
    "results": "结果",
    "review_note": "审核意见",
    "reviewed_at": "审核时间",
    "reviewed_by": "审核人",
    "role": "角色",
    "rows": "行数",
    "run_id": "计算批次",
    "scheme": "考核方案",
    "scheme_sha256": "方案指纹",
    "score": "分数",
    "scored": "已计分数",
    "section_id": "规划章节",
    "seller_name": "卖方名称",
    "seller_uscc": "卖方信用代码",
    "seq": "序号",
    "served_on": "服务日期",
    "sha256": "文件指纹",
    "share": "比例",
    "size": "大小",
    "source": "来源",
    "spec_hash": "设置指纹",
    "start_year": "起始年度",
    "starts_on": "开始日期",
    "state": "状态",
    "state_at": "状态时间",
    "status": "状态",
    "strengths": "优势",
    "superseded_by_id": "取代它的证明",
    "target_id": "目标",
    "target_value": "目标值",
    "target_year": "目标年度",
    "task_id": "任务",
    "tech_field": "技术领域",
    "terms": "依据词",
    "text": "内容",
    "title": "标题",
    "title_level": "职称级别",
    "to_carrier_id": "迁入载体",
    "to_park_id": "迁入园区",
    "to_state": "新状态",
    "to_target_id": "目标",
    "to_zone_id": "迁入高新区",
    "total": "总分",
    "trainees": "培训人数",
    "unit": "单位",
    "unit_id": "单位",
    "unit_name": "单位名称",
    "unit_uscc": "单位信用代码",
    "university": "依托高校",
    "updated_at": "更新时间",
    "updated_by": "更新人",
    "urgency": "紧急程度",
    "uscc": "统一社会信用代码",
    "user_id": "用户",
    "username": "用户名",
    "valid_from": "生效日期",
    "valid_to": "失效日期",
    "value": "数值",
    "version": "版本",
    "withdrawn_at": "撤回时间",
    "withdrawn_by": "撤回人",
    "withdrawn_reason": "撤回原因",
    "year": "年度",
    "years": "年度",
    "zone_id": "高新区",
}


def field_label(key: str) -> str:
    """The Chinese name of an audited column (the column name itself when it has none)."""
    return FIELD_LABELS.get(key, key)


def _value_text(value: Any) -> str:
    if value is None:
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def change_text(before: dict | None, after: dict | None, limit: int = 300) -> str:
    """What an audited write changed, in Chinese column names: “标题：旧 → 新；…”."""
    if before and after:
        text = "；".join(
            f"{field_label(k)}：{_value_text(before.get(k))} → {_value_text(after.get(k))}"
            for k in after
        )
    elif after:
        text = "；".join(f"{field_label(k)}：{_value_text(v)}" for k, v in after.items())
    elif before:
        text = "删除前：" + "；".join(
            f"{field_label(k)}：{_value_text(v)}" for k, v in before.items()
        )
    else:
        text = ""
    return text[:limit]


def bind_principal(session: Session, principal: Principal) -> Session:
    """Attach the acting principal to a session so that its writes are attributed."""
    session.info["principal"] = principal
    return session


def current_principal(session: Session) -> Principal:
    """The principal bound to the session (the system when none is)."""
    return session.info.get("principal", SYSTEM)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _row(
    principal: Principal,
    action: str,
    entity: str,
    entity_id: Any,
    summary: str,
    before: dict | None,
    after: dict | None,
) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "user_id": principal.user_id,
        "username": principal.username,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id or ""),
        "summary": summary[:500],
        "before": before,
        "after": after,
    }


def record(
    session: Session,
    action: str,
    entity: str,
    entity_id: Any = "",
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Write one audit entry for the session's principal (for writes that bypass the ORM)."""
    session.execute(
        insert(AuditLog),
        [_row(current_principal(session), action, entity, entity_id, summary, before, after)],
    )


def _snapshot(obj: Any, side: str) -> dict[str, Any]:
    state = inspect(obj)
    excluded = getattr(obj, "__audit_exclude__", ())
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in excluded:
            continue
        hist = state.attrs[attr.key].history
        if side == "before":
            value = (
                hist.deleted[0] if hist.deleted else (hist.unchanged[0] if hist.unchanged else None)
            )
        else:
            value = (
                hist.added[0]
                if hist.added
                else (hist.unchanged[0] if hist.unchanged else getattr(obj, attr.key, None))
            )
        out[attr.key] = _jsonable(value)
    return out


def _changed_only(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, _ctx: Any) -> None:
    principal = current_principal(session)
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            after = _snapshot(obj, "after")
            rows.append(
                _row(principal, "create", obj.__tablename__, _key(obj), _label(obj), None, after)
            )
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(
            obj, include_collections=False
        ):
            before, after = _changed_only(_snapshot(obj, "before"), _snapshot(obj, "after"))
            if after:
                rows.append(
                    _row(
                        principal,
                        "update",
                        obj.__tablename__,
                        _key(obj),
                        _label(obj),
                        before,
                        after,
                    )
                )
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            rows.append(
                _row(
                    principal,
                    "delete",
                    obj.__tablename__,
                    _key(obj),
                    _label(obj),
                    _snapshot(obj, "before"),
                    None,
                )
            )
    if rows:
        session.connection().execute(insert(AuditLog), rows)


def _key(obj: Any) -> str:
    # identity keys are assigned only after the flush finishes; the mapped key is there already
    return ",".join(str(v) for v in inspect(obj).mapper.primary_key_from_instance(obj))


def _label(obj: Any) -> str:
    for attr in ("name", "username", "code", "uscc"):
        value = getattr(obj, attr, None)
        if value:  # a row's actor (a 流转 by the platform) reads 系统, as the 操作人 column does
            return actor_label(value) if attr == "username" else str(value)
    return ""
