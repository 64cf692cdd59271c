"""Settings for benchmark runs: the project's settings plus a URLconf with two ceiling views.

Selected with ``DJANGO_SETTINGS_MODULE=benchmarks.settings`` (``wuye.wsgi`` only sets a
default), so ``wuye/settings.py`` and ``wuye/urls.py`` stay untouched.
"""

from wuye.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
