"""The benchmarks' stall figures: a long block counts as the frames it cost, not as one late tick."""

import numpy as np

from tests.bench.stall import slot_lateness_ms, stall_figures


def test_a_block_is_late_by_each_frame_it_covered():
    assert np.allclose(slot_lateness_ms([0.100]), [84, 68, 52, 36, 20, 4])
    assert np.allclose(slot_lateness_ms([0.016, 0.0165, 0.030]), [0, 0.5, 14, 0])


def test_time_weighted_figures_beside_the_per_tick_ones():
    ticks = [0.016] * 98 + [0.116, 0.016]  # one 100 ms block among 99 punctual frames
    f = stall_figures(ticks)
    assert f["ticks"] == 100 and f["stall_ms_p50"] == 0.0
    assert f["time_share_beyond_16ms"] == round(0.100 / (0.016 * 99 + 0.116), 4)
    assert f["frame_slots"] == 99 + 7
    assert f["slot_lateness_ms_p99"] > 50  # 7 of 106 slots late, the worst by 100 ms
