"""The handover report as a PDF (Qt's printer): written, and a real PDF."""

import re

from console.incidents.handover import summarize
from console.incidents.sla import SlaBook
from console.resources import resource
from console.simulator.sample_shift import simulate_shift


def test_pdf_is_written(qapp, tmp_path):
    from console.ui.handover_pdf import write_handover_pdf

    state, start, end = simulate_shift(hours=2, seed=4)
    s = summarize(state, SlaBook.load(resource("config", "sla.json")), start, end, "值班员甲")
    out = write_handover_pdf(s, tmp_path / "h.pdf", state.region_label)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 2  # pages, not the /Pages tree
    assert len(data) > 20_000  # text, tables and four charts, not an empty page
