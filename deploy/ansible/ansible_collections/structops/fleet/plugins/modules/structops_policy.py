#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-only
# Copyright: 2026 Seed 88a2040d maintainers

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: structops_policy
short_description: Attach, swap or detach the struct_ops policy of bpf_testmod
version_added: "1.0.0"
description:
  - Makes the policy attached to C(bpf_testmod) the one named, with the knob
    values given, using C(structops-load). The machine's state is read with
    C(structops-load --status --json) first; when the named policy is
    attached already with those knob values, nothing runs and the result is
    C(changed=false).
  - Otherwise the policy is attached, or swapped in atomically for the
    attached one with one C(BPF_LINK_UPDATE), so that no trigger is ever
    answered by the built-in code or by half of each policy.
  - With O(probation) the new policy is on probation for that many seconds,
    during which O(check) must keep passing. If it fails, C(structops-load)
    puts the previous policy back itself (one more link update) and this
    module fails with the loader's one-line reason; the host is on its
    previous policy, which the result's RV(policy) shows.
  - Decisions use the loader's exit status and its JSON status, never its
    human-readable text.
options:
  name:
    description:
      - The policy, as for C(structops-load --policy) a name found on its
        search path (C(/etc/structops/policies), C(/usr/lib/structops/policies))
        or a path to a C(.bpf.o) file.
      - It is compared with the name the module reports for the attached
        policy (the policy's C(.name)), which for the shipped policies is
        their file name; for a path, the file name without C(.bpf.o) is
        compared.
      - Required with O(state=present).
    type: str
  set:
    description:
      - Load-time knobs of the policy, a dictionary of C(KEY) and C(VALUE),
        each given as C(--set KEY=VALUE).
      - Only the knobs named here are compared with the attached policy's;
        a knob not named is not managed (when the policy is attached anew it
        gets the policy's default). Name a knob to pin it.
    type: dict
    default: {}
  probation:
    description:
      - Seconds to hold a newly attached policy on probation
        (C(--probation)); 0 for none. Only used when something changes.
    type: float
    default: 0
  check:
    description:
      - The command, run with C(/bin/sh -c) on the managed host, that must
        keep exiting 0 during the probation (C(--check)).
    type: str
  check_interval:
    description:
      - Seconds between two runs of O(check) (C(--check-interval)).
    type: float
  save:
    description:
      - Record the policy and O(set) in the configuration file, so that
        C(structops-load --restore) (the boot-time unit) attaches it again.
        With a probation, only a policy that passed is recorded.
      - With O(state=absent), the file then names no policy.
    type: bool
    default: false
  config:
    description:
      - The configuration file C(--save) writes and C(--status) reads.
    type: path
    default: /etc/structops/structops.conf
  state:
    description:
      - V(present) attaches or swaps; V(absent) detaches (C(--detach)), after
        which the module's built-in code answers.
    type: str
    choices: [present, absent]
    default: present
  executable:
    description:
      - The C(structops-load) to run.
    type: path
    default: structops-load
notes:
  - Needs root, or CAP_BPF and CAP_SYS_ADMIN, on the managed host.
  - C(structops-load) exit codes are passed on in RV(rc), for example 3 a
    failed probation (rolled back), 64 a usage error such as an unknown
    policy or knob, 65 a policy the verifier rejected, 69 the module or
    kernel support unavailable, 75 a concurrent swap won, 77 not permitted,
    78 Secure Boot refused the module. See structops-load(8).
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - Seed 88a2040d maintainers (@structops)
"""

EXAMPLES = r"""
- name: Attach the default policy and keep it across reboots
  structops.fleet.structops_policy:
    name: default
    save: true

- name: Try the scale policy for a minute, rolled back unless myapp stays up
  structops.fleet.structops_policy:
    name: scale
    set:
      multiplier: 5
      offset: 1
    probation: 60
    check: systemctl is-active --quiet myapp
    check_interval: 5
    save: true

- name: Back to the module's built-in behaviour
  structops.fleet.structops_policy:
    state: absent
"""

RETURN = r"""
policy:
  description: The policy attached when the module finished (after a failed
    probation, the previous one); null if none.
  returned: always
  type: str
  sample: scale
previous:
  description: The previous policy kept for C(structops-load --rollback),
    null if none.
  returned: always
  type: str
  sample: default
knobs:
  description: The attached policy's knob values, as C(--status --json)
    reports them.
  returned: always
  type: dict
  sample: {"multiplier": 5, "offset": 1}
link_id:
  description: The id of the BPF link the policy is attached through.
  returned: always
  type: int
  sample: 12
configured:
  description: The policy the configuration file names (what boot restores).
  returned: always
  type: str
  sample: scale
rc:
  description: The exit status of the C(structops-load) that changed
    something; absent when nothing ran.
  returned: when the loader ran
  type: int
  sample: 3
stdout:
  description: Its standard output.
  returned: when the loader ran
  type: str
  sample: "switched 'default' -> 'scale' in 84 us"
stderr:
  description: Its standard error (a probation's check output goes here).
  returned: when the loader ran
  type: str
  sample: ""
status:
  description: C(structops-load --status --json) after the change, as a
    dictionary.
  returned: always
  type: dict
"""

import os
import json
import tempfile

from ansible.module_utils.basic import AnsibleModule


def run_loader(module, args):
    """Run structops-load with ARGS; return (rc, stdout, stderr)."""
    return module.run_command([module.params["executable"]] + args)


def loader_line(rc, out, err):
    """The loader's one line about what happened: a probation's verdict
    is the last line of its standard output (its check's output goes to
    standard error); an error is the first 'structops-load: ' line of
    standard error (a verifier log may follow it)."""
    if rc == 3:
        lines = [ln for ln in out.splitlines() if ln.strip()]
        if lines:
            return lines[-1]
    for ln in err.splitlines():
        if ln.startswith("structops-load: "):
            return ln
    lines = [ln for ln in (err + "\n" + out).splitlines() if ln.strip()]
    return lines[-1] if lines else "structops-load exited %d" % rc


def read_status(module):
    args = ["--status", "--json", "--config", module.params["config"]]
    rc, out, err = run_loader(module, args)
    if rc != 0:
        module.fail_json(msg="structops-load --status --json failed: %s" % loader_line(rc, out, err),
                         rc=rc, stdout=out, stderr=err)
    try:
        status = json.loads(out)
    except ValueError as e:
        module.fail_json(msg="structops-load --status --json printed no JSON: %s" % e,
                         stdout=out, stderr=err)
    if not isinstance(status, dict):
        module.fail_json(msg="structops-load --status --json printed no JSON object", stdout=out)
    return status


def attached_name(name):
    """The name the module reports for policy NAME: a path's file name
    without .bpf.o, else NAME itself."""
    if "/" in name or name.endswith(".bpf.o"):
        base = os.path.basename(name)
        if base.endswith(".bpf.o"):
            base = base[: -len(".bpf.o")]
        return base
    return name


def same_value(have, want):
    """A knob value from --status --json (an int, or a string) against one
    from the play (an int, or a string): numbers compare as numbers."""
    try:
        return int(str(have), 0) == int(str(want), 0)
    except ValueError:
        return str(have) == str(want)


def knobs_match(status, wanted):
    have = status.get("knobs") or {}
    for key, value in wanted.items():
        if key not in have or not same_value(have[key], value):
            return False
    return True


def set_args(wanted):
    return ["%s=%s" % (k, wanted[k]) for k in sorted(wanted)]


# The configuration file, in the format structops-load(8) documents
# (CONFIGURATION): "policy = NAME" and "set = KEY=VALUE" lines, # comments.

def assigned_key(line):
    """The key a line assigns ('policy', 'set'), or '' for anything else;
    as the loader's own update_config_text sees it."""
    stripped = line.strip(" \t")
    if not stripped or stripped.startswith("#") or "=" not in stripped:
        return ""
    return stripped.split("=", 1)[0].rstrip(" \t")


def read_config(path):
    """(policy or None, [KEY=VALUE...], text) of the configuration file."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None, [], None
    policy, sets = None, []
    for line in text.splitlines():
        key = assigned_key(line)
        if key in ("policy", "set"):
            value = line.split("=", 1)[1].strip(" \t")
            if key == "policy":
                policy = value or None
            else:
                sets.append(value)
    return policy, sets, text


def config_text(text, policy, sets):
    """TEXT with its policy and set lines replaced, comments kept: what
    structops-load --save writes."""
    out, policy_done, sets_done = [], False, False
    policy_line = "policy = %s" % policy if policy else "policy ="
    set_lines = ["set = %s" % s for s in sets]
    for line in (text or "").splitlines():
        key = assigned_key(line)
        if key == "policy":
            if not policy_done:
                out.append(policy_line)
            policy_done = True
        elif key == "set":
            if not sets_done:
                out.extend(set_lines)
            sets_done = True
        else:
            out.append(line)
    if not policy_done:
        out.append(policy_line)
    if not sets_done:
        out.extend(set_lines)
    return "\n".join(out) + "\n"


def write_config(module, path, text):
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    module.atomic_move(tmp, path)


def view(status, configured=None):
    """What the diff shows of a host: policy, knobs, and what boot restores."""
    v = {"policy": status.get("policy"), "knobs": status.get("knobs") or {}}
    if configured is not None:
        v["configured"] = configured
    return v


def result_of(status, configured):
    previous = status.get("previous") or {}
    link = status.get("link") or {}
    return dict(
        policy=status.get("policy"),
        previous=previous.get("name") if previous.get("state") == "ready" else None,
        knobs=status.get("knobs") or {},
        link_id=link.get("id"),
        configured=configured,
        status=status,
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str"),
            set=dict(type="dict", default={}),
            probation=dict(type="float", default=0),
            check=dict(type="str"),
            check_interval=dict(type="float"),
            save=dict(type="bool", default=False),
            config=dict(type="path", default="/etc/structops/structops.conf"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            executable=dict(type="path", default="structops-load"),
        ),
        required_if=[("state", "present", ("name",))],
        required_by={"check_interval": "check"},
        supports_check_mode=True,
    )
    p = module.params
    if "/" not in p["executable"]:
        p["executable"] = module.get_bin_path(p["executable"], required=True,
                                              opt_dirs=["/usr/sbin", "/sbin"])
    if p["probation"] < 0:
        module.fail_json(msg="probation wants seconds >= 0, not %s" % p["probation"])
    if p["check"] is not None and not p["probation"]:
        module.fail_json(msg="check needs probation: it is what must hold during the probation")
    wanted = dict((str(k), "" if v is None else str(v)) for k, v in (p["set"] or {}).items())
    for k, v in wanted.items():
        if not k or "=" in k or "\n" in k + v:
            module.fail_json(msg="set: '%s: %s' is not a knob KEY: VALUE" % (k, v))

    before = read_status(module)
    cfg_policy, cfg_sets, cfg_text = read_config(p["config"])
    present = p["state"] == "present"
    want_cfg_policy = p["name"] if present else None
    want_cfg_sets = set_args(wanted) if present else []

    if present:
        link = before.get("link") or {}
        attached = (before.get("policy") == attached_name(p["name"])
                    and link.get("pinned", False)
                    and knobs_match(before, wanted))
        swap = not attached
    else:
        swap = bool(before.get("policy") or before.get("link"))
    config_drift = p["save"] and (cfg_policy != want_cfg_policy or cfg_sets != want_cfg_sets)
    changed = swap or config_drift

    shown_cfg = cfg_policy if p["save"] else None
    diff = None
    if module._diff:
        after_view = view(before, want_cfg_policy if p["save"] else None)
        if swap:
            merged = dict(before.get("knobs") or {}) if attached_name(p["name"] or "") == before.get("policy") else {}
            merged.update(wanted)
            after_view = {"policy": attached_name(p["name"]) if present else None,
                          "knobs": merged if present else {}}
            if p["save"]:
                after_view["configured"] = want_cfg_policy
        diff = {"before": view(before, shown_cfg), "after": after_view,
                "before_header": "%s (structops-load --status --json)" % p["config"],
                "after_header": "wanted"}

    if module.check_mode or not changed:
        result = result_of(before, cfg_policy)
        result["changed"] = changed
        if diff is not None:
            result["diff"] = diff
        module.exit_json(**result)

    ran = {}
    if swap:
        if present:
            args = ["--policy", p["name"]]
            for s in set_args(wanted):
                args += ["--set", s]
            if p["probation"]:
                args += ["--probation", "%g" % p["probation"]]
                if p["check"] is not None:
                    args += ["--check", p["check"]]
                if p["check_interval"] is not None:
                    args += ["--check-interval", "%g" % p["check_interval"]]
            if p["save"]:
                args += ["--save", "--config", p["config"]]
        else:
            args = ["--detach"]
        rc, out, err = run_loader(module, args)
        ran = dict(rc=rc, stdout=out, stderr=err, cmd=[p["executable"]] + args)
        if rc != 0:
            # Every failure of the loader leaves a policy attached (the
            # previous one after a failed probation): say which.
            after = read_status(module)
            result = result_of(after, read_config(p["config"])[0])
            result.update(ran)
            # A failed probation swapped twice: the host changed and is back.
            result["changed"] = after.get("policy") != before.get("policy") or rc == 3
            if diff is not None:
                result["diff"] = diff
            module.fail_json(msg=loader_line(rc, out, err), **result)
    if config_drift and not (swap and present):
        # Recorded here only when the loader did not: the policy is
        # attached already (or detached), only the file differs.
        write_config(module, p["config"], config_text(cfg_text, want_cfg_policy, want_cfg_sets))

    after = read_status(module)
    result = result_of(after, read_config(p["config"])[0])
    result.update(ran)
    result["changed"] = True
    if diff is not None:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
