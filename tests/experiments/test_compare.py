"""The MGRPO-vs-GRPO comparison: token accounting and aggregation on synthetic logs, and --quick end to end."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.readme_commands import REPO_ROOT, argv, documented, substituted

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "compare_mgrpo_grpo.py"
spec = importlib.util.spec_from_file_location("compare_mgrpo_grpo", SCRIPT)
compare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare)

VAL = "val-core/arith/two_turn"


def _write_log(path, entries):
    path.write_text("".join(json.dumps({"step": s, "data": d}) + "\n" for s, d in entries))


def _val(acc):
    return {f"{VAL}/acc_t1": acc, f"{VAL}/acc_t2": acc + 0.1, f"{VAL}/i2c": 0.2, f"{VAL}/c2i": 0.1}


def test_grpo_tokens_are_mean_length_times_rows_and_mgrpo_counts_every_generated_token(tmp_path):
    _write_log(tmp_path / "g.jsonl", [(0, _val(0.5)), (1, {"actor/grad_norm": 1, "response_length/mean": 10.0}),
                                       (2, {"actor/grad_norm": 1, "response_length/mean": 20.0, **_val(0.6)})])
    grpo = compare.curve(tmp_path / "g.jsonl")
    assert [p["tokens"] for p in grpo["points"]] == [0.0, 30.0 * compare.ROWS_PER_STEP]
    _write_log(tmp_path / "m.jsonl", [(0, _val(0.5)), (1, {"actor/grad_norm": 1, "mgrpo/rollout_tokens": 700.0,
                                                           **_val(0.7)})])
    mgrpo = compare.curve(tmp_path / "m.jsonl")
    assert [(p["step"], p["tokens"]) for p in mgrpo["points"]] == [(0, 0.0), (1, 700.0)]
    assert [p["acc_t2"] for p in mgrpo["points"]] == pytest.approx([0.6, 0.8])


def test_summary_is_mean_and_range_over_seeds():
    runs = [{"points": [{"step": 0, "tokens": 0.0, "acc_t1": a, "acc_t2": a, "i2c": 0, "c2i": 0}]} for a in (0.2, 0.4)]
    point = compare.summarize({"grpo": runs})["grpo"][0]
    assert point["acc_t1"] == pytest.approx((0.3, 0.2, 0.4)) and point["step"] == 0


def test_layer_costs_ratio_of_seconds_per_generated_token():
    step = {"timing_s/gen": 2.0, "timing_s/gen_layer2": 6.0, "mgrpo/layer1/response_tokens": 100.0,
            "mgrpo/layer2/correction_tokens": 100.0, "mgrpo/layer2/augmentation_tokens": 50.0}
    costs = compare.layer_costs([{"steps": [step]}])
    assert costs["seconds_per_token/ratio_layer2_to_layer1"] == pytest.approx((6 / 150) / (2 / 100))


@pytest.mark.slow
def test_quick_mode_runs_both_methods_end_to_end(tmp_path):
    command = substituted(documented("python experiments/compare_mgrpo_grpo.py"), {"/tmp/cmp2": str(tmp_path)})
    subprocess.run([*argv(command), "--quick"], check=True, capture_output=True, timeout=1500, cwd=REPO_ROOT)
    results = json.loads((tmp_path / "comparison.json").read_text())
    assert set(results["summary"]) == {"grpo", "mgrpo"}
    for points in results["summary"].values():
        assert points[0]["step"] == 0 and points[-1]["tokens"][0] > 0
    on, off = results["layer2_costs"]["seed 1, cache on"], results["layer2_costs"]["seed 1, cache off"]
    assert on["tokens/layer2_corrections"] > 0 and off["tokens/layer2_corrections"] > 0
    assert on["tokens/layer2_query_from_prefix_cache"] > 0.8 * on["tokens/layer2_query"]
    assert off["tokens/layer2_query_from_prefix_cache"] == 0
    assert (tmp_path / "comparison.png").stat().st_size > 0 and "| mgrpo |" in (tmp_path / "comparison.md").read_text()


def _step(gen_seconds):
    return {"timing_s/gen": gen_seconds, "timing_s/gen_layer2": 4.0, "mgrpo/layer1/response_tokens": 100.0,
            "mgrpo/layer2/correction_tokens": 100.0}


def test_layer_costs_are_medians_so_a_warm_up_step_does_not_dominate():
    costs = compare.layer_costs([{"steps": [_step(10.0), _step(1.0)]}, {"steps": [_step(1.0)]}])
    assert costs["time/gen"] == 1.0 and costs["seconds_per_token/ratio_layer2_to_layer1"] == pytest.approx(4.0)


def test_reuse_logs_skips_only_a_complete_run(tmp_path):
    _write_log(tmp_path / "mgrpo_seed1.jsonl", [(0, {}), (1, {}), (2, {})])
    assert compare.run_training("mgrpo", 1, 2, 1, 8, tmp_path, reuse=True) == tmp_path / "mgrpo_seed1.jsonl"
    log = tmp_path / "mgrpo_seed1.jsonl"
    assert compare.finished(log, 2) and not compare.finished(log, 3)
    _write_log(log, [(0, {}), (1, {})])
    with open(log, "a") as file:
        file.write('{"step": 2, "da')  # killed while writing its last step
    assert not compare.finished(log, 2)
