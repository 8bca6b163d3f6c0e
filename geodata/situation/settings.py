"""Changing the rule parameters (geodata.store.rules_config: defaults and getters): one audited command.

It lives above geodata.people so that it asks the one action table ("settings.set", §5.3: the command centre sets
levels and their thresholds) like every other command; the values are checked against the defaults' keys and
types before anything is written.
"""
from __future__ import annotations

import re
from typing import Any

from geodata.base.problems import Problem, Rejected
from geodata.people import authority
from geodata.store.models import Setting
from geodata.store.rules_config import CHOICES, DEFAULTS, get_setting
from geodata.store.writes import WriteContext

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _bad(zh: str, en: str, fld: str) -> Problem:
    return Problem(zh, en, field=fld)


def _check_schemes(value: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    available = value.get("available", {})
    if not isinstance(available, dict) or not available:
        return [_bad("方案列表为空", "no schemes available", "schemes.available")]
    if value.get("active") not in available:
        problems.append(_bad(f"启用的方案不存在: {value.get('active')}", f"active scheme not defined: "
                             f"{value.get('active')!r}", "schemes.active"))
    for name, scheme in available.items():
        levels = scheme.get("levels") if isinstance(scheme, dict) else None
        if not isinstance(levels, dict) or sorted(levels) != ["0", "1", "2"]:
            problems.append(_bad(f"方案 {name} 须为三个等级 0/1/2 各给出编码、名称、颜色",
                                 f"scheme {name!r} must define levels 0, 1 and 2", f"schemes.{name}.levels"))
            continue
        for rank, lv in levels.items():
            missing = [k for k in ("code", "zh", "en", "colour") if not str(lv.get(k, "")).strip()]
            if missing:
                problems.append(_bad(f"方案 {name} 等级 {rank} 缺少 {', '.join(missing)}",
                                     f"scheme {name!r} level {rank} lacks {', '.join(missing)}",
                                     f"schemes.{name}.levels.{rank}"))
            elif not _COLOUR.match(lv["colour"]):
                problems.append(_bad(f"颜色格式应为 #RRGGBB: {lv['colour']}", f"colour must be #RRGGBB: "
                                     f"{lv['colour']!r}", f"schemes.{name}.levels.{rank}.colour"))
        rules = scheme.get("rules", {}) if isinstance(scheme, dict) else {}
        problems += _check_against(rules, DEFAULTS["situation"], f"schemes.{name}.rules")
    return problems


def _check_against(value: dict[str, Any], default: dict[str, Any], where: str) -> list[Problem]:
    """Same keys as the default and values of the same type; whole numbers must be ≥ 1."""
    problems: list[Problem] = []
    if not isinstance(value, dict):
        return [_bad("应为键值表", "must be a mapping", where)]
    for k, v in value.items():
        if k not in default:
            problems.append(_bad(f"未知参数 {k}", f"unknown parameter {k!r}", f"{where}.{k}"))
            continue
        ref = default[k]
        if isinstance(ref, bool) or isinstance(ref, (str, list, dict)):
            ok = isinstance(v, type(ref))
        elif isinstance(ref, int):
            ok = isinstance(v, int) and not isinstance(v, bool) and v >= 1
        elif isinstance(ref, float):
            ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        else:
            ok = True
        if not ok:
            problems.append(_bad(f"参数 {k} 的取值无效: {v!r}", f"invalid value for {k}: {v!r}", f"{where}.{k}"))
    return problems


def set_setting(ctx: WriteContext, key: str, value: dict[str, Any], *, expected_version: int | None = None
                ) -> dict[str, Any]:
    """Change one configuration entry (action "settings.set": the command centre); logs old → new. Returns the new effective value.

    `value` holds the parameters to change; the others keep their current values.
    """
    authority.require(ctx.actor, "settings.set")
    if key not in DEFAULTS:
        raise Rejected([_bad(f"未知配置项 {key}", f"unknown setting {key!r}", "key")])
    old = get_setting(ctx.session, key)
    new = {**old, **value}
    problems = _check_schemes(new) if key == "schemes" else _check_against(value, DEFAULTS[key], key)
    for (k, param), allowed in CHOICES.items():
        if k == key and param in value and value[param] not in allowed:
            problems.append(_bad(f"参数 {param} 只能取 {'、'.join(allowed)}: {value[param]!r}",
                                 f"{param} must be one of {', '.join(allowed)}: {value[param]!r}", f"{key}.{param}"))
    if problems:
        raise Rejected(problems)
    row = ctx.session.get(Setting, key)
    if expected_version is not None and (row.version if row else 0) != expected_version:
        raise Rejected([_bad("配置已被他人修改，请刷新后重试", "changed by someone else since you read it: reload",
                             "version")])
    if new == old:
        return new
    if row is None:
        ctx.session.add(Setting(key=key, value=new, updated_at=ctx.now, updated_by=ctx.actor.username))
    else:
        row.value = new
        row.updated_at = ctx.now
        row.updated_by = ctx.actor.username
    ctx.session.flush()
    changed = {k for k in new if new.get(k) != old.get(k)}
    ctx.record("setting.change", "setting", key, old={k: old.get(k) for k in changed},
               new={k: new[k] for k in changed}, reason=f"配置修改 setting changed: {key}")
    return new
