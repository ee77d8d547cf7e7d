"""The installed `salesbot` command, as the subprocess tests run it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

# The venv's own script, so that the tests run the code under test, not one on the PATH.
SALESBOT = shutil.which("salesbot", path=str(Path(sys.executable).parent)) or "salesbot"
