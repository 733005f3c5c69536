# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reviewed baseline of the fuzz step (tests/simulator/fuzz/): well formed, every entry explained."""

import importlib.util
import json
import os

from conftest import SIMULATOR_DIR

FUZZ_DIR = os.path.join(SIMULATOR_DIR, 'fuzz')
BASELINE = os.path.join(FUZZ_DIR, 'baseline.json')


def load_runner():
    spec = importlib.util.spec_from_file_location('run_fuzz', os.path.join(FUZZ_DIR, 'run_fuzz.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_entry_has_a_one_line_reason_and_a_known_operation(sim):
    with open(BASELINE, encoding='utf-8') as handle:
        entries = json.load(handle)['entries']
    assert entries
    assert not load_runner().baseline_problems(BASELINE)
    labels = {f'{operation.method} {operation.template}' for operation in sim.contract.operations}
    identities = [(e['operation'], e['check'], e['failure'], e['signature']) for e in entries]
    assert len(identities) == len(set(identities))
    for entry in entries:
        assert entry['operation'] in labels, entry['operation']


def test_an_entry_without_reason_is_refused(tmp_path):
    path = tmp_path / 'baseline.json'
    path.write_text(json.dumps({'format_version': 1, 'entries': [
        {'operation': 'GET /x', 'check': 'status_code_conformance', 'failure': 'UndefinedStatusCode', 'signature': '400'},
        {'operation': 'GET /y', 'check': 'status_code_conformance', 'failure': 'UndefinedStatusCode', 'signature': '400',
         'reason': 'two\nlines'}]}))
    problems = load_runner().baseline_problems(str(path))
    assert len(problems) == 2 and all('one-line "reason"' in problem for problem in problems)
