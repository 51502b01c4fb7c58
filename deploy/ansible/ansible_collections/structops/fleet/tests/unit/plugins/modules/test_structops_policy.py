# SPDX-License-Identifier: GPL-2.0-only
"""Unit test of structops_policy's decisions against a fake structops-load.

The module runs as Ansible runs it (a child process given its arguments as
a JSON file) and its answers are checked: changed or not, check mode, diff,
the loader's line on failure, the configuration file.  The fake only keeps
the decisions honest; the real loader, kernel and Ansible are exercised by
tests/fleet in booted guests.  Run: python3 -m unittest discover -s DIR.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = os.path.join(HERE, "..", "..", "..", "..", "plugins", "modules", "structops_policy.py")
FAKE = os.path.join(HERE, "fake-structops-load")


class StructopsPolicyTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.state = os.path.join(self.dir.name, "state.json")
        self.config = os.path.join(self.dir.name, "structops.conf")
        self.machine(policy=None)

    def tearDown(self):
        self.dir.cleanup()

    def machine(self, **state):
        with open(self.state, "w") as f:
            json.dump(state, f)

    def seen(self):
        with open(self.state) as f:
            return json.load(f)

    def run_module(self, check_mode=False, diff=False, **params):
        params.setdefault("executable", FAKE)
        params.setdefault("config", self.config)
        args = dict(params, _ansible_check_mode=check_mode, _ansible_diff=diff)
        path = os.path.join(self.dir.name, "args.json")
        with open(path, "w") as f:
            json.dump({"ANSIBLE_MODULE_ARGS": args}, f)
        env = dict(os.environ, FAKE_STRUCTOPS_STATE=self.state)
        p = subprocess.run([sys.executable, MODULE, path], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            return json.loads(p.stdout)
        except ValueError:
            self.fail("no JSON from the module: %s %s" % (p.stdout, p.stderr))

    def loader_calls(self):
        return [c for c in self.seen().get("calls", []) if "--status" not in c]

    def test_first_attach_changes(self):
        r = self.run_module(name="default")
        self.assertTrue(r["changed"])
        self.assertEqual(r["policy"], "default")
        self.assertEqual(self.loader_calls(), [["--policy", "default"]])

    def test_attached_already_is_not_changed_and_runs_nothing(self):
        self.machine(policy="scale", knobs={"multiplier": 5, "offset": 1})
        r = self.run_module(name="scale", set={"multiplier": 5, "offset": "1"})
        self.assertFalse(r["changed"], r)
        self.assertEqual(self.loader_calls(), [])

    def test_a_different_knob_swaps(self):
        self.machine(policy="scale", knobs={"multiplier": 5, "offset": 1})
        r = self.run_module(name="scale", set={"multiplier": 6})
        self.assertTrue(r["changed"])
        self.assertEqual(self.loader_calls(), [["--policy", "scale", "--set", "multiplier=6"]])
        self.assertEqual(r["knobs"], {"multiplier": 6, "offset": 0})

    def test_check_mode_with_diff_changes_nothing(self):
        self.machine(policy="default", knobs={})
        r = self.run_module(check_mode=True, diff=True, name="scale", set={"multiplier": 5})
        self.assertTrue(r["changed"])
        self.assertEqual(r["diff"]["before"], {"policy": "default", "knobs": {}})
        self.assertEqual(r["diff"]["after"], {"policy": "scale", "knobs": {"multiplier": "5"}})
        self.assertEqual(self.loader_calls(), [])
        self.assertEqual(self.seen()["policy"], "default")

    def test_check_mode_when_nothing_differs(self):
        self.machine(policy="default", knobs={})
        r = self.run_module(check_mode=True, diff=True, name="default")
        self.assertFalse(r["changed"])
        self.assertEqual(r["diff"]["before"], r["diff"]["after"])

    def test_failed_probation_fails_with_the_loaders_line_and_is_back(self):
        self.machine(policy="default", knobs={})
        r = self.run_module(name="saturate", probation=5, check="exit 1", check_interval=1)
        self.assertTrue(r.get("failed"), r)
        self.assertEqual(r["rc"], 3)
        self.assertTrue(r["msg"].startswith("probation failed: 'exit 1' exited 1"), r["msg"])
        self.assertEqual(r["policy"], "default")
        self.assertEqual(self.loader_calls(),
                         [["--policy", "saturate", "--probation", "5", "--check", "exit 1",
                           "--check-interval", "1"]])

    def test_passed_probation_with_save_records_the_policy(self):
        self.machine(policy="default", knobs={})
        r = self.run_module(name="saturate", probation=5, check="true", save=True)
        self.assertTrue(r["changed"])
        self.assertNotIn("failed", r)
        self.assertEqual(r["policy"], "saturate")
        self.assertEqual(r["configured"], "saturate")

    def test_unknown_policy_fails_with_the_loaders_line(self):
        self.machine(policy="default", knobs={})
        r = self.run_module(name="nosuch")
        self.assertTrue(r.get("failed"))
        self.assertEqual(r["rc"], 64)
        self.assertEqual(r["msg"], "structops-load: no policy 'nosuch' in "
                                   "/etc/structops/policies:/usr/lib/structops/policies")
        self.assertEqual(r["policy"], "default")

    def test_malformed_knob_fails_and_leaves_the_policy(self):
        self.machine(policy="default", knobs={})
        r = self.run_module(name="scale", set={"multiplier": "many"})
        self.assertTrue(r.get("failed"))
        self.assertEqual(r["rc"], 64)
        self.assertEqual(r["policy"], "default")

    def test_check_without_probation_is_refused(self):
        r = self.run_module(name="default", check="true")
        self.assertTrue(r.get("failed"))
        self.assertEqual(self.loader_calls(), [])

    def test_save_only_rewrites_the_file_keeping_comments(self):
        self.machine(policy="scale", knobs={"multiplier": 5, "offset": 0})
        with open(self.config, "w") as f:
            f.write("# mine\npolicy = default\n# knobs\n")
        r = self.run_module(name="scale", set={"multiplier": 5}, save=True)
        self.assertTrue(r["changed"])
        self.assertEqual(self.loader_calls(), [])
        with open(self.config) as f:
            self.assertEqual(f.read(), "# mine\npolicy = scale\n# knobs\nset = multiplier=5\n")
        r = self.run_module(name="scale", set={"multiplier": 5}, save=True)
        self.assertFalse(r["changed"])

    def test_absent_detaches_once(self):
        self.machine(policy="default", knobs={})
        r = self.run_module(state="absent")
        self.assertTrue(r["changed"])
        self.assertIsNone(r["policy"])
        r = self.run_module(state="absent")
        self.assertFalse(r["changed"])
        self.assertEqual(self.loader_calls(), [["--detach"]])


if __name__ == "__main__":
    unittest.main()
