"""Suite-wide set-up.

The detector keeps its compiled patterns and loaded rule set in a cache folder
(``CONTACT_GUARD_CACHE_DIR``, else ``~/.cache/contact-guard``). The tests load many rule sets,
including deliberately broken and temporary ones, so they get a private folder for the run:
they never write into the user's cache, and one run cannot be helped or hurt by what an
earlier run left there. Set here, at import, because the cache is chosen when
``bot.detect.pattern_cache`` is first imported; subprocesses inherit it.
"""

from __future__ import annotations

import os
import shutil
import tempfile

_CACHE_DIR = tempfile.mkdtemp(prefix="contact-guard-test-cache-")
os.environ["CONTACT_GUARD_CACHE_DIR"] = _CACHE_DIR


def pytest_sessionfinish() -> None:
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)
