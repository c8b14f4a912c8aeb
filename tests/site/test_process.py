"""The shared process helpers (console/site/process.py) on real child processes."""

import signal
import subprocess
import sys

from console.site.process import stop_processes


def test_stopping_children_terminates_them_and_kills_one_that_ignores_it():
    """A child that leaves on SIGTERM is gone with its status; one that ignores SIGTERM is killed after
    the grace time (the shared shutdown of the cluster command and the MQTT benchmark)."""
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, sys, time\n"
                                 "signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True)\n"
                                 "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert stubborn.stdout.readline().strip() == "ready"  # its handler is in place
    stop_processes([polite, stubborn], grace_s=1.0)
    assert polite.wait(5) == -signal.SIGTERM
    assert stubborn.wait(5) == -signal.SIGKILL
