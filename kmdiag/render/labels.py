"""The terminal's words for layers, audiences, statuses and counts, shared by every renderer."""

from __future__ import annotations

from typing import Any

TEXT: dict[str, dict[str, Any]] = {
    "zh": {"network": "网络与 DNS", "platform": "平台", "browser": "页面（浏览器）", "account": "账户与风控",
           "payment": "支付", "diagnosis": "诊断", "none": "未发现问题。", "user": "用户", "agent": "客服",
           "operator": "运营", "confidence": "可信度", "artifacts": "证据文件", "unfinished": "未完成（超出时间预算）",
           "also": "同时观察到（由上游原因引起）", "explained": "由 {c} 引起",
           "status": {"ok": "正常", "problem": "发现问题", "inconclusive": "无法得出结论"}, "took": "耗时",
           "checks": "检查", "n_checks": "{n} 项", "all_pass": "{n} 项通过", "pass": "通过", "warn": "警告",
           "fail": "未通过", "skip": "跳过", "error": "出错", "more": "运行 {cmd} -v 查看每一项检查与各阶段耗时",
           "causes": "可能的原因", "inconclusive_why": "决定性的检查没能完成，无法下结论。",
           "ok_line": "{n} 项检查，没有发现问题"},
    "en": {"network": "Network & DNS", "platform": "Platform", "browser": "Page (browser)", "account": "Account & risk",
           "payment": "Payment", "diagnosis": "Diagnosis", "none": "No problem found.", "user": "You", "agent": "Support",
           "operator": "Operator", "confidence": "confidence", "artifacts": "Evidence", "unfinished": "Unfinished (time budget)",
           "also": "Also seen (explained by an upstream cause)", "explained": "caused by {c}",
           "status": {"ok": "OK", "problem": "Problem found", "inconclusive": "Inconclusive"}, "took": "took",
           "checks": "Checks", "n_checks": "{n}", "all_pass": "{n} passed", "pass": "passed", "warn": "warnings",
           "fail": "failed", "skip": "skipped", "error": "errors", "more": "run {cmd} -v to see every check and the phase timings",
           "causes": "Likely causes", "inconclusive_why": "the checks that would decide could not finish.",
           "ok_line": "{n} checks, no problem found"},
}
