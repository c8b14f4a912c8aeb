"""`cityops alarm-figures`: the figures printed, the CSV written and the PDF drawn (Qt's printer)."""

import pandas as pd


def test_the_command_prints_writes_csv_and_pdf(tmp_path, capsys, qapp):
    from console.app.cli import main

    assert main(["alarm-figures", "--sample", "--hours", "0.5", "--storm", "20", "--out", str(tmp_path),
                 "--pdf", str(tmp_path / "h.pdf")]) == 0
    out = capsys.readouterr().out
    assert "[shift " in out and "peak 10 min" in out and "in flood" in out
    summary = pd.read_csv(tmp_path / "alarm_figures.csv")
    assert summary["peak_10min"].iloc[0] > 10 and summary["flood_pct"].iloc[0] > 0  # the storm floods
    assert (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF-")
