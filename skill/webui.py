"""Placeholder: routes for this platform are being written (see the open issues)."""


def init_app(app):
    return None
