"""HTTP plumbing for test servers."""

from __future__ import annotations

from typing import Any

from werkzeug.serving import WSGIRequestHandler


class KeepsUnderscoredHeaders(WSGIRequestHandler):
    """werkzeug's development server drops header names with underscores (Walmart's WM_SEC.*, WM_SVC.*);
    gunicorn, as ``orderhub serve`` configures it, passes them on. This handler does the same, so tests see
    what production sees."""

    def make_environ(self) -> Any:
        environ = super().make_environ()
        for name, value in self.headers.items():
            if "_" in name:
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        return environ
